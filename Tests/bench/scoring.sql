-- Briefer weighted PQL model (SPEC §3.1 + §3.3), per user, as of {as_of_ms}.
--
-- Seed 004's activation / engagement / firmographic / composite SQL, made runnable
-- and fixed to Tests/bench/SCORING_RULES.md. ONE query, valid in both DuckDB and
-- SQLite (CTEs, window functions, CASE, integer arithmetic only). The scripts
-- substitute {as_of_ms} textually with an integer literal (ms since the epoch, UTC).
--
-- Input tables (created by duckdb_score.py / sqlite_score.py):
--   events(dedup_key, kind, user_id, anon_id, event_name, ts_ms, group_hint)
--       unique dedup_key; kind 'track' | 'page' | 'screen' (activity, page and screen calls
--       already named by the page rules) or 'identify' (user_id, anon_id = a link, no name)
--   users(user_id, email, company_domain, title, created_at_ms)
--   companies(domain, name, employee_count, industry, estimated_revenue, country)
-- Output: user_id, activation, engagement, firmographic, pql_score ORDER BY user_id.
--
-- Portability notes:
--   * DAY = 86400000 ms. A UTC day is keyed by its first millisecond,
--     ts - floormod(ts, DAY), with floormod(x, d) = ((x % d) + d) % d: `%` truncates
--     in both engines, so this is exact and needs no division at all.
--   * Integer floor division of a non-negative n by d is written
--     CAST((n - n % d) / d AS BIGINT): the numerator is an exact multiple of d, so
--     SQLite's integer `/` and DuckDB's float `/` both give the exact quotient.
--   * No LEAST/GREATEST (SQLite lacks them), no scalar MIN(a,b) (DuckDB lacks it),
--     no INTERVAL, DATE() or engine-specific string functions: CASE, lower, trim,
--     instr, substr, LIKE on already lower-cased text, NULLIF, COALESCE only.
WITH
-- Identity links: an identify call with both a userId and an anonymousId links the
-- anonymous id to the user from the call's time on. An anonymous id keeps the user of its
-- earliest link, whenever the calls arrived (a later link to another user is a conflict,
-- never applied); the same user linked again keeps the earliest time. Every identify call
-- takes part in deciding who holds an id, also one made after as_of; the link applies from
-- its time, so only when linked_ms <= as_of. (At equal times Briefer keeps the first to
-- arrive; the benchmark data has no such ties; here the smaller user_id wins.)
link_calls AS (
    SELECT anon_id, user_id, MIN(ts_ms) AS linked_ms
    FROM events
    WHERE kind = 'identify' AND user_id IS NOT NULL AND user_id <> ''
      AND anon_id IS NOT NULL AND anon_id <> '' AND anon_id <> user_id
    GROUP BY anon_id, user_id
),
links AS (
    SELECT anon_id, user_id
    FROM (SELECT anon_id, user_id, linked_ms,
                 ROW_NUMBER() OVER (PARTITION BY anon_id ORDER BY linked_ms, user_id) AS rn
          FROM link_calls) l
    WHERE rn = 1 AND linked_ms <= {as_of_ms}
),
-- A user's own activity (track, page and screen calls with a userId) that exists for this
-- run: ts <= as_of. It alone gives the group hint and the first event (signup fallback).
own AS (
    SELECT dedup_key, user_id, event_name, ts_ms, group_hint
    FROM events
    WHERE kind <> 'identify' AND user_id IS NOT NULL AND user_id <> '' AND ts_ms <= {as_of_ms}
),
-- Activity of no user (anonymousId only) counts for the user its id is linked to as of
-- this run, whenever it happened (before the link too); unlinked, it counts for nobody.
-- (The link is looked up per event, a scalar subquery on links' one row per id: written as
-- a join, SQLite scans all events once per link.)
ev AS (
    SELECT dedup_key, user_id, event_name, ts_ms,
           ts_ms - (((ts_ms % 86400000) + 86400000) % 86400000) AS day_ms
    FROM own
    UNION ALL
    SELECT dedup_key, user_id, event_name, ts_ms,
           ts_ms - (((ts_ms % 86400000) + 86400000) % 86400000) AS day_ms
    FROM (SELECT e.dedup_key, e.event_name, e.ts_ms,
                 (SELECT l.user_id FROM links l WHERE l.anon_id = e.anon_id) AS user_id
          FROM events e
          WHERE e.kind <> 'identify' AND (e.user_id IS NULL OR e.user_id = '')
            AND e.anon_id IS NOT NULL AND e.ts_ms <= {as_of_ms}) stitched
    WHERE user_id IS NOT NULL
),
-- Bot-like bursts and the daily cap, over the user's own and stitched events together.
-- day_n = all of the user's events that UTC day (before the cap); cap_rank = rank within
-- (user, day, event name) by (ts, dedup key).
ranked AS (
    SELECT user_id, event_name, ts_ms, day_ms,
           COUNT(*) OVER (PARTITION BY user_id, day_ms) AS day_n,
           ROW_NUMBER() OVER (PARTITION BY user_id, day_ms, event_name
                              ORDER BY ts_ms, dedup_key) AS cap_rank
    FROM ev
),
counted AS (
    SELECT user_id, event_name, ts_ms, day_ms
    FROM ranked
    WHERE day_n <= 500 AND cap_rank <= 50
),
-- Known users: users.csv rows, users with an own event, and users of an identify call
-- made by as_of (stitched events alone make nobody known: their link is such a call).
known AS (
    SELECT user_id FROM users WHERE user_id IS NOT NULL AND user_id <> ''
    UNION
    SELECT user_id FROM own
    UNION
    SELECT user_id FROM events
    WHERE kind = 'identify' AND user_id IS NOT NULL AND user_id <> '' AND ts_ms <= {as_of_ms}
),
-- Signup fallback: the earliest own activity event (not an identify call, not a stitched
-- event).
first_event AS (
    SELECT user_id, MIN(ts_ms) AS first_ts FROM own GROUP BY user_id
),
-- Identity step 1: the group hint of the user's latest own event that has one (by ts;
-- at the same ts the greater hint as written), lower-cased.
latest_hint AS (
    SELECT user_id, lower(group_hint) AS hint
    FROM (SELECT user_id, group_hint,
                 ROW_NUMBER() OVER (PARTITION BY user_id
                                    ORDER BY ts_ms DESC, group_hint DESC) AS rn
          FROM own
          WHERE group_hint IS NOT NULL AND group_hint <> '') h
    WHERE rn = 1
),
ident AS (
    SELECT k.user_id,
           lh.hint AS hint_domain,
           NULLIF(lower(u.company_domain), '') AS csv_domain,
           CASE WHEN instr(u.email, '@') > 0
                THEN NULLIF(lower(substr(u.email, instr(u.email, '@') + 1)), '')
           END AS email_domain,
           COALESCE(u.created_at_ms, fe.first_ts) AS signup_ms
    FROM known k
    LEFT JOIN users u ON u.user_id = k.user_id
    LEFT JOIN latest_hint lh ON lh.user_id = k.user_id
    LEFT JOIN first_event fe ON fe.user_id = k.user_id
),
-- Free-mail flags (a free-mail domain is never an account).
ident_flags AS (
    SELECT i.*,
           CASE WHEN hint_domain IS NOT NULL AND hint_domain NOT IN (
                    'gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com',
                    'aol.com', 'protonmail.com', 'proton.me', 'gmx.com', 'live.com',
                    'msn.com', 'mail.com', 'yandex.com') THEN 1 ELSE 0 END AS hint_ok,
           CASE WHEN csv_domain IS NOT NULL AND csv_domain NOT IN (
                    'gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com',
                    'aol.com', 'protonmail.com', 'proton.me', 'gmx.com', 'live.com',
                    'msn.com', 'mail.com', 'yandex.com') THEN 1 ELSE 0 END AS csv_ok,
           CASE WHEN email_domain IS NOT NULL AND email_domain NOT IN (
                    'gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com',
                    'aol.com', 'protonmail.com', 'proton.me', 'gmx.com', 'live.com',
                    'msn.com', 'mail.com', 'yandex.com') THEN 1 ELSE 0 END AS work_email
    FROM ident i
),
-- Account domain, first found (NULL = the account of one, `user:<user_id>`).
acct AS (
    SELECT user_id, email_domain, signup_ms, work_email,
           CASE WHEN hint_ok = 1 THEN hint_domain
                WHEN csv_ok = 1 THEN csv_domain
                WHEN work_email = 1 THEN email_domain
           END AS account_domain
    FROM ident_flags
),
-- Internal users (account or email domain tallyboard.io or *.tallyboard.io) are
-- not scored and not output.
scored_users AS (
    SELECT user_id, signup_ms, work_email, account_domain
    FROM acct
    WHERE NOT (COALESCE(account_domain, '') = 'tallyboard.io'
               OR COALESCE(account_domain, '') LIKE '%.tallyboard.io'
               OR COALESCE(email_domain, '') = 'tallyboard.io'
               OR COALESCE(email_domain, '') LIKE '%.tallyboard.io')
),
-- Activation: counted events in [signup, signup + 14 days], per rule event name.
activation_counts AS (
    SELECT c.user_id, c.event_name, COUNT(*) AS n
    FROM counted c
    JOIN scored_users s ON s.user_id = c.user_id
    WHERE c.ts_ms >= s.signup_ms
      AND c.ts_ms <= s.signup_ms + 14 * 86400000
      AND c.event_name IN ('project_created', 'team_invite_sent',
                           'core_feature_used', 'integration_connected')
    GROUP BY c.user_id, c.event_name
),
activation AS (
    SELECT user_id,
           SUM(CASE WHEN event_name = 'project_created'       AND n >= 1 THEN 30
                    WHEN event_name = 'team_invite_sent'      AND n >= 1 THEN 30
                    WHEN event_name = 'core_feature_used'     AND n >= 3 THEN 25
                    WHEN event_name = 'integration_connected' AND n >= 1 THEN 15
                    ELSE 0 END) AS points
    FROM activation_counts
    GROUP BY user_id
),
-- Engagement over (as_of - 14 days, as_of].
engagement_window AS (
    SELECT user_id,
           COUNT(DISTINCT day_ms)     AS days,
           COUNT(DISTINCT event_name) AS features,
           MAX(ts_ms)                 AS last_ts
    FROM counted
    WHERE ts_ms > {as_of_ms} - 14 * 86400000
    GROUP BY user_id
),
engagement_numerator AS (
    -- n = 160*min(days,14) + 245*min(features,8) + 14*recency; engagement = n/56 half up
    SELECT user_id,
           160 * (CASE WHEN days > 14 THEN 14 ELSE days END)
         + 245 * (CASE WHEN features > 8 THEN 8 ELSE features END)
         + 14 * (CASE WHEN last_ts > {as_of_ms} - 1 * 86400000 THEN 100
                      WHEN last_ts > {as_of_ms} - 3 * 86400000 THEN 75
                      WHEN last_ts > {as_of_ms} - 7 * 86400000 THEN 40
                      ELSE 10 END) AS n
    FROM engagement_window
),
engagement AS (
    -- round_half_up(n / 56) = (2n + 56) div 112
    SELECT user_id,
           CAST(((2 * n + 56) - (2 * n + 56) % 112) / 112 AS BIGINT) AS score
    FROM engagement_numerator
),
components AS (
    SELECT s.user_id,
           CASE WHEN COALESCE(a.points, 0) > 100 THEN 100
                ELSE COALESCE(a.points, 0) END AS activation,
           COALESCE(e.score, 0) AS engagement,
           (CASE WHEN c.employee_count > 500 THEN 30
                 WHEN c.employee_count > 100 THEN 25
                 WHEN c.employee_count > 20  THEN 20
                 WHEN c.employee_count > 5   THEN 15
                 ELSE 5 END)
         + (CASE WHEN lower(trim(c.industry)) IN ('saas', 'technology', 'fintech') THEN 25
                 WHEN lower(trim(c.industry)) IN ('ecommerce', 'media', 'education') THEN 20
                 WHEN lower(trim(c.industry)) IN ('healthcare', 'manufacturing') THEN 15
                 ELSE 10 END)
         + (CASE WHEN c.estimated_revenue > 10000000 THEN 25
                 WHEN c.estimated_revenue > 1000000  THEN 20
                 WHEN c.estimated_revenue > 100000   THEN 15
                 ELSE 5 END)
         + 20 * s.work_email AS firmographic
    FROM scored_users s
    LEFT JOIN activation a ON a.user_id = s.user_id
    LEFT JOIN engagement e ON e.user_id = s.user_id
    LEFT JOIN companies c ON c.domain = s.account_domain
)
SELECT user_id,
       activation,
       engagement,
       firmographic,
       -- round_half_up((40a + 35e + 25f) / 100) = (n + 50) div 100
       CAST(((40 * activation + 35 * engagement + 25 * firmographic + 50)
             - (40 * activation + 35 * engagement + 25 * firmographic + 50) % 100)
            / 100 AS BIGINT) AS pql_score
FROM components
ORDER BY user_id;
