"""Staff as people: a colleague's bio as candidates read it, HR's staff directory and
accounts, one's own profile, and an employee's start page.

The routes, one module per URL area: ``reader_routes`` (``/people/{id}``),
``directory_routes`` (``/hr/people``, a colleague's page), ``account_routes`` (the buttons
on that page) and ``profile_routes`` (``/me/profile``); ``home`` is the employee's ``/``,
which portal.visits routes. The queries and changes behind them: ``reader``, ``accounts``,
``profiles``; the forms: ``forms``; what both profile forms share: ``editing``.
"""
