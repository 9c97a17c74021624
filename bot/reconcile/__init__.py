"""Payment reconciliation: match what the bank says to the pledges.

Three ways in, one matcher and one write path:

- a forwarded bank SMS or UPI app message (:mod:`bot.reconcile.messages`, no model);
- a screenshot of a payment confirmation, read by the model through the
  ``read_payment_proof`` tool (:mod:`tools.payment_proof`);
- a bank statement export (:mod:`bot.reconcile.statements`), from the CLI or the
  dashboard.

Each becomes a :class:`~bot.reconcile.credit.Credit`; :mod:`bot.reconcile.matching`
ranks the open pledges it could pay; nothing is written until an operator answers
``yes`` or an admin confirms (:mod:`bot.reconcile.apply`). Nothing in this package
imports Flask.
"""
