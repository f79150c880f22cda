import Foundation
import Testing

@testable import BrieferCore

/// `briefer sql`'s script (SPEC §10): generated from the configuration, in each dialect's terms. That it scores as
/// `briefer score` does is Tests/warehouse/run.sh's to prove, in the engines themselves.
@Suite struct WarehouseScriptTests {
    private func script(
        _ dialect: SQLDialect, _ configuration: BrieferConfiguration = BrieferConfiguration(),
        model: BrieferConfiguration.ScoringModel = .weighted
    ) -> String {
        WarehouseScript(configuration: configuration, model: model, dialect: dialect, asOf: 1_795_176_000_000, configHash: "abc").text
    }

    /// The script without its string literals and comment lines: what the engine computes with.
    private func code(_ text: String) -> String {
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
        return lines.replacing(#/'([^'\\]|''|\\.)*'/#, with: "''")
    }

    @Test func readsTheConfiguredTablesAndWritesUnderThePrefix() {
        var c = BrieferConfiguration()
        c.warehouse.tables.events = "analytics.segment_activity"
        c.warehouse.tables.traits = "analytics.identifies"
        c.warehouse.prefix = "pql_"
        let text = script(.duckdb, c)
        #expect(text.contains("FROM analytics.segment_activity"))
        #expect(text.contains("FROM analytics.identifies"))
        #expect(!text.contains("briefer_events") && !text.contains("briefer_traits"))
        for table in ["pql_user_scores", "pql_account_scores", "pql_run", "pql_w_counted"] {
            #expect(text.contains("CREATE OR REPLACE TABLE \(table) AS"), "\(table)")
        }
    }

    @Test func everyRuleComesFromTheConfiguration() {
        var c = BrieferConfiguration()
        c.hygiene.dailyCapPerEvent = 37
        c.hygiene.botMaxEventsPerDay = 911
        c.weighted.activation.events.append(.init(event: "dashboard shared", minCount: 4, weight: 12))
        c.weighted.tiers.hot = 81
        c.identity.freeMailDomains = ["fastmail.example"]
        let weighted = script(.postgres, c)
        #expect(weighted.contains("rank_ <= 37") && weighted.contains("day_n <= 911"))
        #expect(weighted.contains("e.event_name = 'dashboard shared'"))
        // The event's reason code is cleaned as ReasonCode cleans it.
        #expect(weighted.contains("'dashboard_shared' AS code") || weighted.contains("'dashboard_shared', "))
        #expect(weighted.contains(">= 81 THEN 'hot'"))
        #expect(weighted.contains("IN ('fastmail.example')") && !weighted.contains("gmail.com"))

        c.points.pql.minFit = 23
        let points = script(.postgres, c, model: .points)
        #expect(points.contains("fit >= 23") || points.contains("u.fit >= 23"))
    }

    /// Integer arithmetic only: `/` divides into a double in Spark and BigQuery, a decimal in Snowflake; each dialect
    /// divides with its own integer form.
    @Test func noDivisionButTheDialectsIntegerOne() {
        for dialect in SQLDialect.allCases {
            for model in BrieferConfiguration.ScoringModel.allCases {
                let text = code(script(dialect, model: model))
                switch dialect {
                case .duckdb: #expect(!text.replacing("//", with: "").contains("/"), "\(dialect) \(model)")
                // PostgreSQL's `/` of two integers is the integer quotient: only divide()'s form uses it.
                case .postgres: #expect(!text.replacing(") / (", with: "").contains("/"), "\(dialect) \(model)")
                case .spark, .bigquery: #expect(!text.contains("/"), "\(dialect) \(model)")
                case .snowflake:
                    #expect(text.components(separatedBy: "/").count - 1 == text.components(separatedBy: "CAST(FLOOR((").count - 1)
                }
            }
        }
    }

    @Test func dialectsSpellWhatDiffers() {
        #expect(script(.postgres).contains("COLLATE \"C\""))
        #expect(!script(.duckdb).contains("COLLATE"))
        #expect(code(script(.bigquery)).contains("UNION DISTINCT SELECT"))
        #expect(script(.spark).contains("CREATE TABLE briefer_user_scores USING parquet AS"))
        #expect(script(.postgres).contains("DROP TABLE IF EXISTS briefer_user_scores;\nCREATE TABLE briefer_user_scores AS"))
        // A backslash in configured text is an escape in Spark's, BigQuery's and Snowflake's literals.
        var c = BrieferConfiguration()
        c.weighted.activation.events = [.init(event: #"a\b"#, minCount: 1, weight: 5)]
        #expect(script(.spark, c).contains(#"'a\\b'"#))
        #expect(script(.duckdb, c).contains(#"'a\b'"#))
        // The as-of time, or the engine's clock.
        #expect(script(.spark).contains("CAST(1795176000000 AS BIGINT) AS as_of_ms"))
        let now = WarehouseScript(configuration: BrieferConfiguration(), dialect: .bigquery, asOf: nil, configHash: "x").text
        #expect(now.contains("CAST(UNIX_MILLIS(CURRENT_TIMESTAMP) AS INT64) AS as_of_ms"))
    }

    @Test func tableNamesAreCheckedAtLoad() {
        var c = BrieferConfiguration()
        c.warehouse.tables.events = "events; DROP TABLE users"
        c.warehouse.prefix = "1x"
        let keys = Set(c.validate().map(\.key))
        #expect(keys == ["warehouse.tables.events", "warehouse.prefix"])
        c.warehouse.tables.events = "prod.analytics.briefer_events"
        c.warehouse.prefix = "analytics.pql_"
        #expect(c.validate().isEmpty)
    }
}
