"""The resident pages: ``front`` (the public door and where ``/`` leads), ``home`` (the
tabs), ``raising`` (the one-screen report) and ``items`` (我的事项)."""
