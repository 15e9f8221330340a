"""Needs and resources (issue #16): 敲门行动 door-knocking campaigns, the 需求清单 of
demands heard, and (built on these) resources, projects, micro-wishes and partners.

May import places, people, calendar, party, points and cases (through their services);
nothing below it imports this app."""
