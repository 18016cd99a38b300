"""Fixtures shared by the whole suite: people, a session, and a frozen-enough clock."""

import pytest

from tests.factories import make_session, make_user


@pytest.fixture
def learner(db):
    """The learner of the session."""
    return make_user("learner", first_name="Ana", last_name="García")


@pytest.fixture
def tutor(db):
    """The tutor of the session."""
    return make_user("tutor", first_name="Tomás", last_name="Okafor")


@pytest.fixture
def stranger(db):
    """A signed-in user who is in neither role."""
    return make_user("stranger", first_name="Eve")


@pytest.fixture
def staff(db):
    """Course staff (Django staff in the dev host)."""
    return make_user("staff", first_name="Sam", is_staff=True)


@pytest.fixture
def session(learner, tutor):
    """A session starting in five minutes (already joinable)."""
    return make_session(learner, tutor)


@pytest.fixture
def workbench_scenarios(db):
    """The workbench's scenarios, which live in its own tables: a transactional test's flush empties them."""
    from workbench.scenarios import init_scenarios

    init_scenarios()
