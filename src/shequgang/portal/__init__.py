"""The residents' door: the public front (``/`` for visitors), the resident's home with
its tab bar (首页 · 办事 · 我的事项 · 活动 · 我的) and raising a problem in one screen.

Pages only: every write goes through another app's service (``cases.services``). May
import cases, places, people, party, points, veterans, residency and web; nothing
imports it."""
