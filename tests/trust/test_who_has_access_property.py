"""Property: *Who has access* agrees with the policy for every actor, in random scenarios.

The link machine of `tests/test_properties.py` drives random grants and unlinks (and here also
*Disconnect everywhere* and owner-side removals from the who-has-access list); after every step
the people listed for each account are exactly the users `policy.has_account_access` admits,
and every listed path goes through a link that is ACTIVE.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from bizlink import policy
from bizlink.access_review import actions as review_actions
from bizlink.access_review import queries as review_queries
from bizlink.accounts.models import User
from bizlink.demo.data import Demo
from bizlink.links.models import LIVE, Link, Status
from tests.test_properties import ACCOUNTS, RULE_HANDLES, LinkMachine


class WhoHasAccessMachine(LinkMachine):
    @rule(handle=st.sampled_from(RULE_HANDLES))
    def disconnect_everywhere(self, handle: str) -> None:
        account = self.demo.accounts[handle]
        roots = sorted(pk for pk, m in self.model.items() if m.account_id == account.pk and m.live)
        if not roots:
            self.expect_failure(
                lambda: review_actions.disconnect_everywhere(account.owner, account)
            )
            return
        ended = review_actions.disconnect_everywhere(account.owner, account)
        doomed = set(roots)
        grew = True
        while grew:
            more = {
                pk
                for pk, m in self.model.items()
                if m.live and pk not in doomed and m.requires & doomed
            }
            doomed |= more
            grew = bool(more)
        assert ended.count == len(doomed)
        for pk in doomed:
            self.model[pk].status = Status.REVOKED
        self.audit_count += len(doomed)

    @rule(handle=st.sampled_from(RULE_HANDLES), index=st.integers(min_value=0, max_value=12))
    def owner_removes_a_listed_path(self, handle: str, index: int) -> None:
        account = self.demo.accounts[handle]
        who = review_queries.who_has_access(account.owner, account)
        links = sorted(
            {
                p.link.pk
                for group in (who.people, who.businesses, who.partners, who.apps, who.ad_accounts)
                for h in group
                for p in h.paths
                if p.link is not None and p.decision.allowed
            }
        )
        if not links:
            return
        link = Link.objects.get(pk=links[index % len(links)])
        ended = review_actions.remove_access(account.owner, link)
        self.expect_ended(ended, link.pk)

    @invariant()
    def who_has_access_agrees_with_the_policy(self) -> None:
        users = list(User.objects.all())
        for handle in ACCOUNTS:
            account = self.demo.accounts[handle]
            who = review_queries.who_has_access(account.owner, account)
            allowed = {u.pk for u in users if policy.has_account_access(u, account)}
            assert who.user_ids == allowed, (handle, who.user_ids, allowed)
            for group in (who.people, who.businesses, who.partners, who.apps, who.ad_accounts):
                for holder in group:
                    for path in holder.paths:
                        if path.link is not None:
                            assert path.link.status == Status.ACTIVE
                            assert path.link.status in LIVE


@pytest.mark.django_db
def test_who_has_access_agrees_with_the_policy_in_random_scenarios(demo: Demo) -> None:
    class Machine(WhoHasAccessMachine):
        def __init__(self) -> None:
            super().__init__(demo)

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=10,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
