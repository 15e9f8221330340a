"""The demo city (``shequgang loaddemo``) comes with the veterans' applications, and its
accounts see them by county: the roster reconciles with the counts and the budget."""

from django.contrib.auth.models import User

from shequgang.demo.builder import demo_load
from shequgang.veterans.access import scoped_applications
from shequgang.veterans.demo import DEMO_SIZE
from shequgang.veterans.models import Application, Status
from shequgang.veterans.roster import roster_export
from shequgang.veterans.selectors import application_counts, program_budget


def test_demo_city_has_applications_that_reconcile(program):
    demo_load(scale="small", seed=1, history=False)
    assert Application.objects.filter(program=program).count() == DEMO_SIZE
    accepted = Application.objects.filter(program=program, status=Status.ACCEPTED)

    admin = User.objects.get(username="city_admin")
    file = roster_export(actor=admin, program=program, full=True)
    counts = application_counts(program=program, applications=scoped_applications(admin))
    budget = program_budget(program=program, applications=scoped_applications(admin))
    assert file.rows == counts.total == budget.accepted == accepted.count()
    assert budget.total == program.premium * accepted.count()

    lishi = User.objects.get(username="lishi_command")
    mine = scoped_applications(lishi).filter(program=program)
    assert set(mine.values_list("registration_code", flat=True)) == {"141102"}
    county_file = roster_export(actor=lishi, program=program)
    assert county_file.rows == accepted.filter(registration_code="141102").count() > 0
