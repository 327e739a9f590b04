"""Lead scoring: the workspace's point rules (rules.py translates each kind into a query),
the set-based rescore (rescore.py), and the scoring page (views.py)."""
