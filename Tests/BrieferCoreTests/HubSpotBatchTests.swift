import Testing
@testable import BrieferCore

/// SPEC §6: HubSpot CRM v3 batch bodies (upsert by email, read by email, update by record id; every value a string)
/// and what HubSpot's answers say (results matched by `objectWriteTraceId`, 207 errors, 429 and 400 error bodies).
struct HubSpotBatchTests {
    func item(_ id: Int64, _ email: String, trace: String, _ properties: [(name: String, value: String)]) -> OutboxItem {
        OutboxItem(
            id: id, destination: "hubspot", traceId: trace, email: email, account: "acme.com", properties: properties,
            createdMs: 1_763_640_000_000)
    }

    var ada: OutboxItem {
        item(
            1, "ada@acme.com", trace: "briefer-1-ada",
            [
                ("pql_score", "87"), ("pql_tier", "hot"), ("pql_reason_codes", "team_invite_sent:+30; \"quoted\""),
                ("pql_last_calculated", "2026-11-20T12:00:00.250Z"),
            ])
    }
    var grace: OutboxItem { item(2, "grace@acme.com", trace: "briefer-2-grace", [("pql_score", "64")]) }

    /// The members of a JSON object, in order (empty when it is not one).
    func members(_ value: JSONValue?) -> [(key: String, value: JSONValue)] {
        if case let .object(members)? = value { return members }
        return []
    }

    func elements(_ value: JSONValue?) -> [JSONValue] {
        if case let .array(items)? = value { return items }
        return []
    }

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    // MARK: Request bodies

    @Test func upsertBodyIsByEmailWithTraceIdsAndStringValuesInOrder() throws {
        let body = HubSpotBatch.upsertBody([ada, grace])
        #expect(members(body).map(\.key) == ["inputs"])
        let inputs = elements(body["inputs"])
        try #require(inputs.count == 2)

        #expect(members(inputs[0]).map(\.key).sorted() == ["id", "idProperty", "objectWriteTraceId", "properties"])
        #expect(inputs[0]["id"] == .string("ada@acme.com"))
        #expect(inputs[0]["idProperty"] == .string("email"))
        #expect(inputs[0]["objectWriteTraceId"] == .string("briefer-1-ada"))
        let properties = members(inputs[0]["properties"])
        #expect(properties.map(\.key) == ["pql_score", "pql_tier", "pql_reason_codes", "pql_last_calculated"])
        #expect(
            properties.map(\.value) == [
                .string("87"), .string("hot"), .string("team_invite_sent:+30; \"quoted\""),
                .string("2026-11-20T12:00:00.250Z"),
            ])

        #expect(inputs[1]["id"] == .string("grace@acme.com"))
        #expect(inputs[1]["idProperty"] == .string("email"))
        #expect(inputs[1]["objectWriteTraceId"] == .string("briefer-2-grace"))
        #expect(members(inputs[1]["properties"]).map(\.key) == ["pql_score"])
        #expect(inputs[1]["properties"]?["pql_score"] == .string("64"))
    }

    @Test func upsertBodyTextHasTheDocumentedShape() {
        let text = HubSpotBatch.upsertBody([grace]).compactText
        #expect(
            text
                == #"{"inputs":[{"id":"grace@acme.com","idProperty":"email","objectWriteTraceId":"briefer-2-grace","properties":{"pql_score":"64"}}]}"#
        )
        // And it reads back as the same tree.
        #expect((try? JSONParser.parse(text)) == HubSpotBatch.upsertBody([grace]))
    }

    @Test func everyValueIsAStringEvenWhenItLooksLikeANumber() {
        let body = HubSpotBatch.upsertBody([
            item(3, "n@x.io", trace: "t3", [("pql_score", "0"), ("pql_contact_score", "100"), ("pql_use_case", "")])
        ])
        let values = members(elements(body["inputs"]).first?["properties"]).map(\.value)
        #expect(values == [.string("0"), .string("100"), .string("")])
        #expect(body.compactText.contains(#""pql_score":"0""#))
    }

    @Test func updateBodyUsesTheRecordIdAndNoIdProperty() throws {
        let body = HubSpotBatch.updateBody([(recordId: "51", item: ada), (recordId: "1024", item: grace)])
        #expect(members(body).map(\.key) == ["inputs"])
        let inputs = elements(body["inputs"])
        try #require(inputs.count == 2)
        #expect(inputs[0]["id"] == .string("51"))
        #expect(inputs[0]["idProperty"] == nil)
        #expect(members(inputs[0]).map(\.key).sorted() == ["id", "objectWriteTraceId", "properties"])
        #expect(inputs[0]["objectWriteTraceId"] == .string("briefer-1-ada"))
        #expect(members(inputs[0]["properties"]).map(\.key) == ["pql_score", "pql_tier", "pql_reason_codes", "pql_last_calculated"])
        #expect(members(inputs[0]["properties"]).allSatisfy { $0.value.stringValue != nil })
        #expect(inputs[1]["id"] == .string("1024"))
        #expect(inputs[1]["idProperty"] == nil)
        #expect(inputs[1]["objectWriteTraceId"] == .string("briefer-2-grace"))
        #expect(inputs[1]["properties"]?["pql_score"] == .string("64"))
        #expect(!body.compactText.contains("idProperty"))
        #expect(!body.compactText.contains("ada@acme.com"))
    }

    @Test func readBodyAsksForTheEmailByEmail() {
        let body = HubSpotBatch.readBody(emails: ["ada@acme.com", "grace@acme.com"])
        #expect(members(body).map(\.key).sorted() == ["idProperty", "inputs", "properties"])
        #expect(body["idProperty"] == .string("email"))
        #expect(body["properties"] == .array([.string("email")]))
        #expect(body["inputs"] == .array([.object([("id", .string("ada@acme.com"))]), .object([("id", .string("grace@acme.com"))])]))
        let reparsed = try? JSONParser.parse(body.compactText)
        #expect(
            reparsed?.canonicalText
                == #"{"idProperty":"email","inputs":[{"id":"ada@acme.com"},{"id":"grace@acme.com"}],"properties":["email"]}"#)
    }

    // MARK: Answers

    /// A 200 upsert answer as HubSpot gives it: results in no particular order (here reversed), ids as strings.
    let upsertAnswer = #"""
        {"completedAt":"2026-11-20T12:00:01.120Z","results":[
          {"archived":false,"createdAt":"2026-11-20T12:00:01.100Z","id":"1024","new":true,"objectWriteTraceId":"briefer-2-grace",
           "properties":{"createdate":"2026-11-20T12:00:01.100Z","email":"grace@acme.com","hs_object_id":"1024","lastmodifieddate":"2026-11-20T12:00:01.100Z","pql_score":"64"},
           "updatedAt":"2026-11-20T12:00:01.100Z"},
          {"archived":false,"createdAt":"2026-10-01T08:00:00.000Z","id":"51","new":false,"objectWriteTraceId":"briefer-1-ada",
           "properties":{"createdate":"2026-10-01T08:00:00.000Z","email":"Ada@Acme.com","hs_object_id":"51","lastmodifieddate":"2026-11-20T12:00:01.100Z","pql_score":"87"},
           "updatedAt":"2026-11-20T12:00:01.100Z"}
        ],"startedAt":"2026-11-20T12:00:01.000Z","status":"COMPLETE"}
        """#

    @Test func a200AnswerIsMatchedByTraceIdNotPosition() throws {
        let answer = try #require(HubSpotBatch.Answer.parse(bytes(upsertAnswer)))
        #expect(answer.errors.isEmpty)
        #expect(answer.results.count == 2)
        #expect(answer.results.map(\.traceId) == ["briefer-2-grace", "briefer-1-ada"])
        let byTrace = Dictionary(uniqueKeysWithValues: answer.results.compactMap { result in result.traceId.map { ($0, result) } })
        #expect(byTrace["briefer-1-ada"]?.id == "51")
        #expect(byTrace["briefer-1-ada"]?.email == "ada@acme.com")
        #expect(byTrace["briefer-2-grace"]?.id == "1024")
        #expect(byTrace["briefer-2-grace"]?.email == "grace@acme.com")
    }

    @Test func aNumericRecordIdIsReadAsItsDecimalText() throws {
        let body =
            #"{"status":"COMPLETE","results":[{"id":1024,"objectWriteTraceId":"t-1","properties":{"email":"GRACE@ACME.COM"}},{"id":"77","properties":{}}]}"#
        let answer = try #require(HubSpotBatch.Answer.parse(bytes(body)))
        #expect(
            answer.results == [
                HubSpotBatch.Answer.Result(id: "1024", traceId: "t-1", email: "grace@acme.com"),
                HubSpotBatch.Answer.Result(id: "77", traceId: nil, email: nil),
            ])
    }

    @Test func aReadAnswerCarriesTheLowercasedEmailWithoutTraceIds() throws {
        let body = #"""
            {"status":"COMPLETE","results":[{"id":"51","properties":{"createdate":"2026-10-01T08:00:00.000Z","email":"Ada@ACME.com","hs_object_id":"51","lastmodifieddate":"2026-11-20T12:00:01.100Z"},"createdAt":"2026-10-01T08:00:00.000Z","updatedAt":"2026-11-20T12:00:01.100Z","archived":false}],"startedAt":"2026-11-20T12:00:01.000Z","completedAt":"2026-11-20T12:00:01.120Z"}
            """#
        let answer = try #require(HubSpotBatch.Answer.parse(bytes(body)))
        #expect(answer.results == [HubSpotBatch.Answer.Result(id: "51", traceId: nil, email: "ada@acme.com")])
        #expect(answer.errors.isEmpty)
    }

    /// A 207 read answer: one email found, two unknown.
    let multiStatus = #"""
        {"completedAt":"2026-11-20T12:00:01.120Z","errors":[{"category":"OBJECT_NOT_FOUND","context":{"ids":["nobody@acme.com","ghost@beta.io"]},"errors":[],"links":{},"message":"Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.","status":"error"}],"numErrors":1,
         "results":[{"archived":false,"createdAt":"2026-10-01T08:00:00.000Z","id":"51","properties":{"email":"ada@acme.com","hs_object_id":"51"},"updatedAt":"2026-11-20T12:00:01.100Z"}],
         "startedAt":"2026-11-20T12:00:01.000Z","status":"COMPLETE"}
        """#

    @Test func a207AnswerCarriesItsResultsAndErrors() throws {
        let answer = try #require(HubSpotBatch.Answer.parse(bytes(multiStatus)))
        #expect(answer.results == [HubSpotBatch.Answer.Result(id: "51", traceId: nil, email: "ada@acme.com")])
        #expect(answer.errors.count == 1)
        let failure = try #require(answer.errors.first)
        #expect(failure.category == "OBJECT_NOT_FOUND")
        #expect(failure.message == "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.")
        #expect(failure.ids == ["nobody@acme.com", "ghost@beta.io"])
        #expect(failure.traceIds.isEmpty)
    }

    @Test func errorsInA207AreReadOnTheirOwnToo() {
        let failures = HubSpotBatch.Answer.errors(in: bytes(multiStatus))
        #expect(failures.map(\.category) == ["OBJECT_NOT_FOUND"])
        #expect(failures.first?.ids == ["nobody@acme.com", "ghost@beta.io"])
    }

    @Test func errorsOfAnUpdateAnswerNameRecordIdsAndTraceIds() throws {
        let body = #"""
            {"status":"COMPLETE","numErrors":1,"results":[],"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.","context":{"ids":["1024"],"objectWriteTraceId":["briefer-2-grace"]},"errors":[],"links":{}}]}
            """#
        let answer = try #require(HubSpotBatch.Answer.parse(bytes(body)))
        #expect(answer.results.isEmpty)
        #expect(answer.errors.first?.ids == ["1024"])
        #expect(answer.errors.first?.traceIds == ["briefer-2-grace"])
    }

    @Test func aBodyThatIsNotABatchAnswerIsNotParsed() {
        let error =
            #"{"status":"error","message":"Property values were not valid","correlationId":"4c8a6e1e-0000-4000-8000-000000000000","category":"VALIDATION_ERROR"}"#
        #expect(HubSpotBatch.Answer.parse(bytes(error)) == nil)
        #expect(HubSpotBatch.Answer.parse(bytes("<html>502 Bad Gateway</html>")) == nil)
        #expect(HubSpotBatch.Answer.parse([]) == nil)
        #expect(HubSpotBatch.Answer.parse(bytes(#"{"results":{"id":"51"}}"#)) == nil)
        #expect(HubSpotBatch.Answer.errors(in: bytes("not json")).isEmpty)
        #expect(HubSpotBatch.Answer.errors(in: bytes(error)).isEmpty)
    }

    // MARK: Error bodies

    @Test func aDailyRateLimitBody() {
        let body =
            #"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"9b1e5c1a-0000-4000-8000-000000000000","policyName":"DAILY","groupName":"publicapi:private-app:fake"}"#
        let error = HubSpotBatch.ErrorBody.parse(bytes(body))
        #expect(error.category == "RATE_LIMIT")
        #expect(error.policyName == "DAILY")
        #expect(error.message == "You have reached your daily limit.")
    }

    @Test func aSecondlyRateLimitBodyIsNotDaily() {
        let body = #"{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","policyName":"SECONDLY"}"#
        let error = HubSpotBatch.ErrorBody.parse(bytes(body))
        #expect(error.category == "RATE_LIMIT")
        #expect(error.policyName == "SECONDLY")
    }

    @Test func aValidationErrorBody() {
        let body =
            #"{"category":"VALIDATION_ERROR","correlationId":"4c8a6e1e-0000-4000-8000-000000000000","message":"Too many inputs: 101. The maximum batch size is 100 inputs","status":"error"}"#
        let error = HubSpotBatch.ErrorBody.parse(bytes(body))
        #expect(error.category == "VALIDATION_ERROR")
        #expect(error.message == "Too many inputs: 101. The maximum batch size is 100 inputs")
        #expect(error.policyName == nil)
    }

    @Test func aBodyThatIsNotJSONGivesAnEmptyErrorBody() {
        let error = HubSpotBatch.ErrorBody.parse(bytes("<html><body>503 Service Unavailable</body></html>"))
        #expect(error == HubSpotBatch.ErrorBody())
        #expect(error.category == nil && error.message == nil && error.policyName == nil)
    }
}
