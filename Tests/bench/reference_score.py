#!/usr/bin/env python3
"""An independent, SQL-free reading of SCORING_RULES.md, to check scoring.sql itself.

usage: reference_score.py DIR AS_OF_ISO OUT.csv

duckdb_score.py and sqlite_score.py run the same query, so agreeing with each other
proves the engines agree, not that the query follows the rules. This script applies
the rules directly in plain Python (dicts, sorting, exact Fractions and the SPEC §3.1
percentages rather than the integer rewrites used in the SQL). Input normalization is
the shared one (bench_common / sqlite_score.event_rows). Slow-ish; not a benchmark.
"""

import argparse
import csv
import json
import os
import sys
import time
from collections import defaultdict
from fractions import Fraction
from math import floor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
from sqlite_score import Counts, csv_rows, event_rows  # noqa: E402

DAY = 86_400_000
FREE_MAIL = {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com",
             "protonmail.com", "proton.me", "gmx.com", "live.com", "msn.com", "mail.com",
             "yandex.com"}
INTERNAL = "tallyboard.io"
ACTIVATION = [("project_created", 1, 30), ("team_invite_sent", 1, 30),
              ("core_feature_used", 3, 25), ("integration_connected", 1, 15)]


def half_up(x):
    return floor(Fraction(x) + Fraction(1, 2))


def is_internal(domain):
    return domain is not None and (domain == INTERNAL or domain.endswith("." + INTERNAL))


def email_domain(email):
    if email is None or "@" not in email:
        return None
    return email.split("@", 1)[1].lower() or None


def link_holders(identifies):
    """Who holds each anonymous id, and since when, from identify calls with both ids, applied
    one by one in file order as Briefer's store applies them: the earliest link wins whatever
    order they arrive in (a later one to another user is a conflict, never applied), the same
    user linked again keeps the earliest time. -> {anon_id: (user_id, linked_ms)}."""
    holders = {}
    for uid, anon, ts in identifies:
        if anon is None or anon == uid:
            continue
        held = holders.get(anon)
        if held is None:
            holders[anon] = (uid, ts)
        elif held[0] == uid:
            if ts < held[1]:
                holders[anon] = (uid, ts)
        elif ts < held[1]:
            holders[anon] = (uid, ts)     # an earlier link to another user arrived late: it is the first
    return holders


def score(src, as_of):
    events = {}
    for key, kind, uid, anon, name, ts, hint in event_rows(os.path.join(src, "events.jsonl"), Counts()):
        if key not in events:
            events[key] = (kind, uid, anon, name, ts, hint)
    users = {}
    for r in csv_rows(os.path.join(src, "users.csv")):
        uid = bc.csv_text(r.get("user_id"))
        if uid is not None and uid not in users:
            users[uid] = (bc.csv_text(r.get("email")), bc.csv_text(r.get("company_domain")),
                          bc.iso_to_ms(bc.csv_text(r.get("created_at"))))
    companies = {}
    for r in csv_rows(os.path.join(src, "companies.csv")):
        d = bc.csv_text(r.get("domain"))
        if d is not None and d not in companies:
            companies[d] = (bc.csv_number(r.get("employee_count")), bc.csv_text(r.get("industry")),
                            bc.csv_number(r.get("estimated_revenue")))

    # Identity links (every identify call decides who holds an id; a link applies from its time).
    holders = link_holders([(uid, anon, ts) for kind, uid, anon, name, ts, hint in events.values()
                            if kind == "identify"])
    linked = {anon: uid for anon, (uid, since) in holders.items() if since <= as_of}

    by_user = defaultdict(list)   # the user's own events that exist for this run
    stitched = defaultdict(list)  # events of the anonymous ids linked to the user by as_of
    identified = set()            # users of an identify call made by as_of
    for key, (kind, uid, anon, name, ts, hint) in events.items():
        if ts > as_of:
            continue
        if kind == "identify":
            identified.add(uid)
        elif uid is not None:
            by_user[uid].append((ts, key, name, hint))
        elif anon in linked:
            stitched[linked[anon]].append((ts, key, name, None))

    out = []
    for uid in sorted(set(users) | set(by_user) | identified):
        own = by_user.get(uid, [])
        evs = sorted(own + stitched.get(uid, []))   # by (ts, dedup key)
        email, csv_domain, created = users.get(uid, (None, None, None))
        # Identity: the user's own events only; at the same ts the greater hint as written.
        hinted = sorted((ts, h) for ts, key, name, h in own if h is not None and h != "")
        hint = hinted[-1][1].lower() if hinted else None
        csv_domain = csv_domain.lower() if csv_domain else None
        edom = email_domain(email)
        account = None
        for candidate in (hint, csv_domain, edom):
            if candidate and candidate not in FREE_MAIL:
                account = candidate
                break
        if is_internal(account) or is_internal(edom):
            continue
        # Counted events (own and stitched together): no bot day, daily cap by (ts, key).
        per_day = defaultdict(int)
        for ts, key, name, hint_ in evs:
            per_day[ts // DAY] += 1
        rank = defaultdict(int)
        counted = []
        for ts, key, name, hint_ in evs:           # already in (ts, key) order
            day = ts // DAY
            if per_day[day] > 500:
                continue
            rank[(day, name)] += 1
            if rank[(day, name)] <= 50:
                counted.append((ts, name))
        # Activation.
        # Signup: never moved by a stitched event (nor by an identify call).
        signup = created if created is not None else (min(own)[0] if own else None)
        activation = 0
        if signup is not None:
            n = defaultdict(int)
            for ts, name in counted:
                if signup <= ts <= signup + 14 * DAY:
                    n[name] += 1
            activation = min(100, sum(w for name, k, w in ACTIVATION if n[name] >= k))
        # Engagement, the SPEC §3.1 way, exactly.
        window = [(ts, name) for ts, name in counted if as_of - 14 * DAY < ts <= as_of]
        if window:
            days = len({ts // DAY for ts, _ in window})
            features = len({name for _, name in window if name is not None})
            last = max(ts for ts, _ in window)
            recency = (100 if last > as_of - DAY else 75 if last > as_of - 3 * DAY
                       else 40 if last > as_of - 7 * DAY else 10)
            frequency = min(Fraction(days, 14) * 100, 100)
            breadth = min(Fraction(features, 8) * 100, 100)
            engagement = half_up(Fraction(40, 100) * frequency + Fraction(35, 100) * breadth
                                 + Fraction(25, 100) * recency)
        else:
            engagement = 0
        # Firmographic.
        emp, industry, revenue = companies.get(account, (None, None, None)) if account else (None,) * 3
        ind = industry.strip().lower() if industry else None
        firm = (30 if emp is not None and emp > 500 else 25 if emp is not None and emp > 100
                else 20 if emp is not None and emp > 20 else 15 if emp is not None and emp > 5 else 5)
        firm += (25 if ind in ("saas", "technology", "fintech") else
                 20 if ind in ("ecommerce", "media", "education") else
                 15 if ind in ("healthcare", "manufacturing") else 10)
        firm += (25 if revenue is not None and revenue > 10_000_000 else
                 20 if revenue is not None and revenue > 1_000_000 else
                 15 if revenue is not None and revenue > 100_000 else 5)
        if edom is not None and edom not in FREE_MAIL:
            firm += 20
        pql = half_up(Fraction(40, 100) * activation + Fraction(35, 100) * engagement
                      + Fraction(25, 100) * firm)
        out.append((uid, activation, engagement, firm, pql))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("as_of")
    ap.add_argument("out")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows = score(args.dir, bc.parse_as_of(args.as_of))
    bc.write_scores(args.out, rows)
    print(json.dumps({"engine": "reference", "users_scored": len(rows),
                      "total_s": round(time.perf_counter() - t0, 3)}))


if __name__ == "__main__":
    main()
