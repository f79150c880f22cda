import Testing
@testable import BrieferCore

/// The selection and enrichment sections of the configuration (SPEC §4, §5): fractions only where they
/// make sense (temperature, money, prices), and every impossible value refused naming its key.
struct EnrichmentConfigurationTests {

    /// The messages of the problems of `json`.
    func problemMessages(_ json: String) throws -> [String] {
        do {
            _ = try ConfigurationCoding.configuration(from: try JSONParser.parse(json))
            return []
        } catch let error as ConfigurationError {
            return error.problems.map(\.message)
        }
    }

    @Test func defaults() {
        let c = BrieferConfiguration()
        #expect(c.selection.maxPerDay == 50)
        #expect(c.selection.refreshAfterHours == 24)
        #expect(c.enrichment.temperature == 0.3)
        #expect(c.enrichment.maxRetries == 2)
        #expect(c.enrichment.maxRetryAfterSeconds == 120)
        #expect(c.enrichment.connectTimeoutSeconds == 5)
        #expect(c.enrichment.requestTimeoutSeconds == 60)
        #expect(c.enrichment.maxAttempts == 3)
        #expect(c.enrichment.responseFormat == .jsonSchema)
        #expect(c.enrichment.onFailure == .rules)
        #expect(c.enrichment.briefing.minFieldChars < c.enrichment.briefing.maxFieldChars)
    }

    @Test func fractionsAreAcceptedForTemperatureMoneyAndPrices() throws {
        let c = try configuration(
            #"""
            {"enrichment":{"temperature":0.3,"daily_spend_cap_usd":2.5,
             "prices":[{"model":"gpt-4o-mini","input_per_million":0.15,"output_per_million":0.6},
                       {"model":"local","input_per_million":0,"output_per_million":0}]}}
            """#)
        #expect(c.enrichment.temperature == 0.3)
        #expect(c.enrichment.dailySpendCapUsd == 2.5)
        #expect(
            c.enrichment.prices == [
                .init(model: "gpt-4o-mini", inputPerMillion: 0.15, outputPerMillion: 0.6),
                .init(model: "local", inputPerMillion: 0, outputPerMillion: 0),
            ])
        // Whole numbers are fine there too.
        let w = try configuration(#"{"enrichment":{"temperature":1,"daily_spend_cap_usd":10}}"#)
        #expect(w.enrichment.temperature == 1)
        #expect(w.enrichment.dailySpendCapUsd == 10)
    }

    @Test func fractionsElsewhereAreRefusedNamingTheKey() throws {
        #expect(try problemKeys(#"{"selection":{"max_per_day":2.5}}"#) == ["selection.max_per_day"])
        #expect(try problemMessages(#"{"selection":{"max_per_day":2.5}}"#).first?.contains("2.5") == true)
        #expect(try problemKeys(#"{"selection":{"refresh_after_hours":1.5}}"#) == ["selection.refresh_after_hours"])
        #expect(try problemKeys(#"{"enrichment":{"max_tokens":400.5}}"#) == ["enrichment.max_tokens"])
        #expect(try problemKeys(#"{"enrichment":{"briefing":{"max_field_chars":199.9}}}"#) == ["enrichment.briefing.max_field_chars"])
        #expect(try problemKeys(#"{"enrichment":{"max_retries":1.5,"temperature":0.5}}"#) == ["enrichment.max_retries"])
    }

    @Test func responseFormats() throws {
        #expect(try configuration(#"{"enrichment":{"response_format":"json_object"}}"#).enrichment.responseFormat == .jsonObject)
        #expect(try configuration(#"{"enrichment":{"response_format":"none"}}"#).enrichment.responseFormat == .none)
        #expect(try configuration(#"{"enrichment":{"response_format":"json_schema"}}"#).enrichment.responseFormat == .jsonSchema)
        #expect(try problemKeys(#"{"enrichment":{"response_format":"xml"}}"#) == ["enrichment.response_format"])
        #expect(try problemKeys(#"{"enrichment":{"on_failure":"retry_forever"}}"#) == ["enrichment.on_failure"])
        #expect(try configuration(#"{"enrichment":{"on_failure":"needs_review"}}"#).enrichment.onFailure == .needsReview)
    }

    @Test func baseURLMustBeHTTP() throws {
        #expect(try problemKeys(#"{"enrichment":{"base_url":"ftp://x"}}"#) == ["enrichment.base_url"])
        #expect(try problemKeys(#"{"enrichment":{"base_url":"localhost:8080/v1"}}"#) == ["enrichment.base_url"])
        #expect(try problemKeys(#"{"enrichment":{"base_url":""}}"#) == ["enrichment.base_url"])
        #expect(
            try configuration(#"{"enrichment":{"base_url":"https://api.openai.com/v1"}}"#).enrichment.baseUrl == "https://api.openai.com/v1"
        )
        #expect(
            try configuration(#"{"enrichment":{"base_url":"http://127.0.0.1:8088/v1"}}"#).enrichment.baseUrl == "http://127.0.0.1:8088/v1")
    }

    @Test func maxFieldCharsMustBeAboveTheMinimum() throws {
        #expect(
            try problemKeys(#"{"enrichment":{"briefing":{"min_field_chars":50,"max_field_chars":50}}}"#) == [
                "enrichment.briefing.max_field_chars"
            ])
        #expect(
            try problemKeys(#"{"enrichment":{"briefing":{"min_field_chars":50,"max_field_chars":40}}}"#) == [
                "enrichment.briefing.max_field_chars"
            ])
        // (The default min_field_chars is 20.)
        #expect(try problemKeys(#"{"enrichment":{"briefing":{"max_field_chars":20}}}"#) == ["enrichment.briefing.max_field_chars"])
        let c = try configuration(#"{"enrichment":{"briefing":{"min_field_chars":50,"max_field_chars":51}}}"#)
        #expect(c.enrichment.briefing.minFieldChars == 50)
        #expect(c.enrichment.briefing.maxFieldChars == 51)
    }

    @Test func unknownKeysAreNamed() throws {
        #expect(try problemKeys(#"{"enrichment":{"temprature":0.3}}"#) == ["enrichment.temprature"])
        #expect(try problemKeys(#"{"enrichment":{"briefing":{"max_chars":100}}}"#) == ["enrichment.briefing.max_chars"])
        #expect(try problemKeys(#"{"selection":{"per_day":3}}"#) == ["selection.per_day"])
        #expect(
            try problemKeys(#"{"enrichment":{"prices":[{"model":"m","input_per_million":1,"output_per_million":2,"currency":"eur"}]}}"#)
                == ["enrichment.prices[0].currency"])
        #expect(try problemMessages(#"{"enrichment":{"temprature":0.3}}"#).first?.contains("temperature") == true)  // lists the known keys
    }

    @Test func outOfRangeValuesAreNamed() throws {
        #expect(try problemKeys(#"{"enrichment":{"temperature":2.5}}"#) == ["enrichment.temperature"])
        #expect(try problemKeys(#"{"enrichment":{"temperature":-0.1}}"#) == ["enrichment.temperature"])
        #expect(try problemKeys(#"{"enrichment":{"daily_spend_cap_usd":-1}}"#) == ["enrichment.daily_spend_cap_usd"])
        #expect(
            try problemKeys(#"{"enrichment":{"prices":[{"model":"m","input_per_million":-0.5,"output_per_million":2}]}}"#)
                == ["enrichment.prices[0].input_per_million"])
        #expect(try problemKeys(#"{"enrichment":{"max_attempts":0}}"#) == ["enrichment.max_attempts"])
        #expect(try problemKeys(#"{"enrichment":{"concurrency":0}}"#) == ["enrichment.concurrency"])
        #expect(try problemKeys(#"{"enrichment":{"briefing":{"max_untrusted_chars":4}}}"#) == ["enrichment.briefing.max_untrusted_chars"])
        #expect(try problemKeys(#"{"selection":{"max_per_day":-1}}"#) == ["selection.max_per_day"])
        #expect(try problemKeys(#"{"enrichment":{"model":""}}"#) == ["enrichment.model"])
        // Zero capacity is allowed: nothing is briefed.
        #expect(try configuration(#"{"selection":{"max_per_day":0}}"#).selection.maxPerDay == 0)
    }

    @Test func wrongTypesAreNamed() throws {
        #expect(try problemKeys(#"{"enrichment":{"temperature":"0.3"}}"#) == ["enrichment.temperature"])
        #expect(try problemKeys(#"{"enrichment":{"fallback_models":"gpt-4o"}}"#) == ["enrichment.fallback_models"])
        #expect(try problemKeys(#"{"selection":{"max_per_day":"ten"}}"#) == ["selection.max_per_day"])
    }

    @Test func enrichmentChangesTheFingerprint() throws {
        let base = BrieferConfiguration().fingerprint
        #expect(try configuration(#"{"enrichment":{"temperature":0.2}}"#).fingerprint != base)
        #expect(try configuration(#"{"selection":{"max_per_day":3}}"#).fingerprint != base)
    }
}
