"""Signing in and staying signed in: the login lockout (django-axes) as the audit log and
the user see it, the admin's audited unlock, the idle-session timeout, and the password
typed again before full personal data is shown (``reauth``).

Uses ``audit`` only; ``people`` (reveal pages) and ``apikit`` (the confirm-password
endpoint) use it."""
