"""个人信息权利 (PIPL): what the register and the other apps hold about one person, and
the three rights the law gives them over it, plus retention as data.

- ``collect.py``  everything held about one resident, as plain data (Art. 45 access/copy);
- ``export.py``   that data as a zip of JSON, for staff with the full-view grant, audited;
- ``erasure.py``  ``resident_anonymise``: erasure where the law allows (Art. 47), records
                  the state must keep are de-identified instead of deleted;
- ``retention.py`` retention periods as admin-editable rules and the set-wise purge;
- correction (Art. 46) is ``people.services.resident_update`` with a reason.

It sits on top: it may import people, places, cases, party, points, veterans and apikit;
nothing imports it (the arrows point one way, as for the dashboard)."""
