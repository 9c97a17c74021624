"""One operator turn: the session, its state, the router between rules and model, and the reply."""
