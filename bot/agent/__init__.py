"""The LLM side of the planner: the tool loop, its accounting, and operator feedback."""
