"""Residents' own accounts: registration on a phone, confirmation against the register by
the community, login by phone, and the offline password reset (a one-time code issued at
the community desk).

May import places, people, accounts, audit and the shared modules; nothing below it
imports it (the resident's home and the dashboard read it through ``selectors``)."""
