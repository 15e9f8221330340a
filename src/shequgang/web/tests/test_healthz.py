"""/healthz tells a load balancer whether this instance can reach its database."""

from unittest import mock

from django.db import OperationalError, connection
from django.test import Client


def test_ok_when_the_database_answers(db):
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_unavailable_when_the_database_does_not(db):
    # given a database that refuses connections
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("connection refused")
    ):
        # when the load balancer asks
        response = Client().get("/healthz")

    # then this instance is taken out of rotation, without a traceback
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    # and the database is reachable again afterwards
    assert Client().get("/healthz").status_code == 200


def test_needs_no_login_and_only_reads(db):
    assert Client().post("/healthz").status_code == 405
