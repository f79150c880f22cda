import BrieferApp
import BrieferTesting
import Foundation
import Testing

/// The fake HubSpot server itself, through the real libcurl client: each rule of the contract it enforces.
struct FakeHubSpotServerTests {
    static let token = "pat-na1-test"
    let client = HTTPClient()

    /// A response and its body parsed as a JSON object (empty when it is not one).
    struct Reply {
        var response: HTTPResponse
        var json: [String: Any]
        var status: Int { response.status }
        var results: [[String: Any]] { json["results"] as? [[String: Any]] ?? [] }
        var errors: [[String: Any]] { json["errors"] as? [[String: Any]] ?? [] }
        var message: String? { json["message"] as? String }
        var category: String? { json["category"] as? String }
        /// The result that echoes this trace id.
        func result(trace: String) -> [String: Any]? { results.first { $0["objectWriteTraceId"] as? String == trace } }
    }

    func post(
        _ server: FakeHubSpotServer, _ path: String, body: Data, token: String? = FakeHubSpotServerTests.token,
        contentType: String? = "application/json"
    ) async throws -> Reply {
        var headers: [HTTPHeader] = []
        if let token { headers.append(HTTPHeader("Authorization", "Bearer \(token)")) }
        if let contentType { headers.append(HTTPHeader("Content-Type", contentType)) }
        let response = try await client.send(HTTPRequest(url: server.baseURL + path, headers: headers, body: body, timeout: 10))
        let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        return Reply(response: response, json: json)
    }

    func post(_ server: FakeHubSpotServer, _ path: String, _ object: [String: Any], token: String? = FakeHubSpotServerTests.token)
        async throws -> Reply
    {
        try await post(server, path, body: JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), token: token)
    }

    /// An upsert input by email.
    func upsertInput(_ email: String, trace: String, _ properties: [String: Any]) -> [String: Any] {
        ["id": email, "idProperty": "email", "objectWriteTraceId": trace, "properties": properties]
    }

    /// An update input by record id.
    func updateInput(_ id: String, trace: String, _ properties: [String: Any]) -> [String: Any] {
        ["id": id, "objectWriteTraceId": trace, "properties": properties]
    }

    func readBody(_ emails: [String]) -> [String: Any] {
        ["idProperty": "email", "properties": ["email"], "inputs": emails.map { ["id": $0] }]
    }

    // MARK: Authentication

    @Test func theBearerTokenIsRequired() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        let body = readBody(["ada@acme.com"])

        let missing = try await post(server, FakeHubSpotServer.readPath, body, token: nil)
        #expect(missing.status == 401)
        #expect(missing.json["status"] as? String == "error")
        #expect(missing.category == "INVALID_AUTHENTICATION")
        #expect(missing.message?.hasPrefix("Authentication credentials not found.") == true)
        #expect((missing.json["correlationId"] as? String)?.isEmpty == false)
        #expect(missing.response.header("content-type")?.hasPrefix("application/json") == true)

        let wrong = try await post(server, FakeHubSpotServer.readPath, body, token: "pat-na1-other")
        #expect(wrong.status == 401)
        #expect(wrong.category == "INVALID_AUTHENTICATION")

        let basic = try await client.send(
            HTTPRequest(
                url: server.baseURL + FakeHubSpotServer.readPath,
                headers: [
                    HTTPHeader("Authorization", "Basic \(Self.token)"), HTTPHeader("Content-Type", "application/json"),
                ], body: JSONSerialization.data(withJSONObject: body)))
        #expect(basic.status == 401)

        let right = try await post(server, FakeHubSpotServer.readPath, body)
        #expect(right.status == 207)  // authenticated; the email is unknown
        #expect(server.requests.map(\.status) == [401, 401, 401, 207])
        #expect(
            server.requests.map(\.errorCategory) == [
                "INVALID_AUTHENTICATION", "INVALID_AUTHENTICATION", "INVALID_AUTHENTICATION", "OBJECT_NOT_FOUND",
            ])
        #expect(server.requests[3].header("authorization") == "Bearer \(Self.token)")
        #expect(server.contacts.isEmpty)
    }

    @Test func withoutAnExpectedTokenAnyBearerIsAccepted() async throws {
        let server = try FakeHubSpotServer(token: nil)
        defer { server.stop() }
        #expect(try await post(server, FakeHubSpotServer.readPath, readBody([]), token: "anything").status == 200)
        #expect(try await post(server, FakeHubSpotServer.readPath, readBody([]), token: nil).status == 401)
    }

    // MARK: Upsert

    @Test func upsertCreatesThenUpdatesByEmail() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        let bobId = server.addContact(email: "Bob@Acme.com", properties: ["pql_tier": "warm"])

        let first = try await post(
            server, FakeHubSpotServer.upsertPath,
            [
                "inputs": [
                    upsertInput("ada@acme.com", trace: "t-ada-1", ["pql_score": "87.5", "pql_tier": "hot"]),
                    upsertInput("bob@acme.com", trace: "t-bob-1", ["pql_tier": "hot"]),
                ]
            ])
        #expect(first.status == 200)
        #expect(first.json["status"] as? String == "COMPLETE")
        #expect(first.json["startedAt"] is String && first.json["completedAt"] is String)
        #expect(first.json["errors"] == nil)
        #expect(first.results.count == 2)
        // Results are not in input order: matched by trace id.
        #expect(first.results.map { $0["objectWriteTraceId"] as? String } == ["t-bob-1", "t-ada-1"])
        let ada = try #require(first.result(trace: "t-ada-1"))
        let adaId = try #require(ada["id"] as? String)
        #expect(ada["new"] as? Bool == true)
        #expect((ada["properties"] as? [String: Any])?["pql_score"] as? String == "87.5")
        #expect((ada["properties"] as? [String: Any])?["email"] as? String == "ada@acme.com")
        let bob = try #require(first.result(trace: "t-bob-1"))
        #expect(bob["id"] as? String == bobId)
        #expect(bob["new"] as? Bool == false)
        #expect(adaId != bobId)

        let second = try await post(
            server, FakeHubSpotServer.upsertPath,
            [
                "inputs": [
                    upsertInput("ADA@acme.com", trace: "t-ada-2", ["pql_tier": "warm"])
                ]
            ])
        #expect(second.status == 200)
        #expect(second.results.first?["id"] as? String == adaId)
        #expect(second.results.first?["new"] as? Bool == false)

        let stored = try #require(server.contact(email: "ada@acme.com"))
        #expect(stored.id == adaId)
        #expect(stored.properties == ["email": "ada@acme.com", "pql_score": "87.5", "pql_tier": "warm"])
        #expect(server.contact(id: bobId)?.properties == ["email": "bob@acme.com", "pql_tier": "hot"])
        #expect(server.contacts.count == 2)
        #expect(server.writes.map(\.outcome) == [.created, .updated, .updated])
    }

    @Test func upsertRefusesDuplicateIdsAndAMissingIdProperty() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        let duplicate = try await post(
            server, FakeHubSpotServer.upsertPath,
            [
                "inputs": [
                    upsertInput("ada@acme.com", trace: "a", ["pql_tier": "hot"]),
                    upsertInput("Ada@acme.com", trace: "b", ["pql_tier": "hot"]),
                ]
            ])
        #expect(duplicate.status == 400)
        #expect(duplicate.category == "VALIDATION_ERROR")
        #expect(duplicate.message?.hasPrefix("Duplicate IDs found in batch input") == true)

        let noIdProperty = try await post(
            server, FakeHubSpotServer.upsertPath,
            [
                "inputs": [
                    ["id": "ada@acme.com", "objectWriteTraceId": "c", "properties": ["pql_tier": "hot"]]
                ]
            ])
        #expect(noIdProperty.status == 400)
        #expect(server.contacts.isEmpty)
        #expect(server.writes.allSatisfy { $0.outcome == .rejected })
    }

    // MARK: Read

    @Test func readAnswers207WithObjectNotFoundForUnknownEmails() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        let adaId = server.addContact(email: "ada@acme.com", properties: ["pql_tier": "hot"])

        let known = try await post(server, FakeHubSpotServer.readPath, readBody(["ada@acme.com"]))
        #expect(known.status == 200)
        #expect(known.json["errors"] == nil && known.json["numErrors"] == nil)
        #expect(known.results.count == 1)

        let mixed = try await post(server, FakeHubSpotServer.readPath, readBody(["ADA@acme.com", "ghost@nowhere.io", "nobody@acme.com"]))
        #expect(mixed.status == 207)
        #expect(mixed.json["status"] as? String == "COMPLETE")
        #expect(mixed.json["numErrors"] as? Int == 1)
        let result = try #require(mixed.results.first)
        #expect(mixed.results.count == 1)
        #expect(result["id"] as? String == adaId)
        let properties = try #require(result["properties"] as? [String: Any])
        #expect(properties["email"] as? String == "ada@acme.com")
        #expect(properties["hs_object_id"] as? String == adaId)
        #expect(properties["pql_tier"] == nil)  // not asked for
        let error = try #require(mixed.errors.first)
        #expect(mixed.errors.count == 1)
        #expect(error["status"] as? String == "error")
        #expect(error["category"] as? String == "OBJECT_NOT_FOUND")
        #expect(
            error["message"] as? String == "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid."
        )
        #expect((error["context"] as? [String: Any])?["ids"] as? [String] == ["ghost@nowhere.io", "nobody@acme.com"])

        let byRecordId = try await post(server, FakeHubSpotServer.readPath, ["properties": ["pql_tier"], "inputs": [["id": adaId]]])
        #expect(byRecordId.status == 200)
        #expect((byRecordId.results.first?["properties"] as? [String: Any])?["pql_tier"] as? String == "hot")
        #expect(server.writes.isEmpty)
    }

    // MARK: Update

    @Test func updateByUnknownRecordIdAnswers207AndAppliesTheKnownOnes() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        let adaId = server.addContact(email: "ada@acme.com")

        let reply = try await post(
            server, FakeHubSpotServer.updatePath,
            [
                "inputs": [
                    updateInput(adaId, trace: "t-1", ["pql_score": "12", "pql_tier": "cold"]),
                    updateInput("987654321", trace: "t-2", ["pql_score": "40"]),
                ]
            ])
        #expect(reply.status == 207)
        #expect(reply.json["numErrors"] as? Int == 1)
        #expect(reply.results.count == 1)
        #expect(reply.result(trace: "t-1")?["id"] as? String == adaId)
        #expect(reply.result(trace: "t-2") == nil)
        let error = try #require(reply.errors.first)
        #expect(error["category"] as? String == "OBJECT_NOT_FOUND")
        #expect((error["context"] as? [String: Any])?["ids"] as? [String] == ["987654321"])
        #expect(server.contact(id: adaId)?.properties == ["email": "ada@acme.com", "pql_score": "12", "pql_tier": "cold"])
        #expect(server.writes.map(\.outcome) == [.updated, .notFound])
        #expect(server.writes.map(\.recordId) == [adaId, nil])

        let allKnown = try await post(
            server, FakeHubSpotServer.updatePath, ["inputs": [updateInput(adaId, trace: "t-3", ["pql_tier": "warm"])]])
        #expect(allKnown.status == 200)
        #expect(allKnown.json["errors"] == nil)
    }

    @Test func updateByEmailIsRefusedAsNonUnique() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        server.addContact(email: "ada@acme.com")
        let reply = try await post(
            server, FakeHubSpotServer.updatePath,
            [
                "inputs": [
                    ["id": "ada@acme.com", "idProperty": "email", "objectWriteTraceId": "t-1", "properties": ["pql_tier": "hot"]]
                ]
            ])
        #expect(reply.status == 400)
        #expect(reply.json["status"] as? String == "error")
        #expect(reply.category == "VALIDATION_ERROR")
        #expect(reply.message == "Unable to perform update/upsert by non-unique email property")
        #expect(server.contact(email: "ada@acme.com")?.properties["pql_tier"] == nil)
        #expect(server.writes.map(\.outcome) == [.rejected])
        #expect(server.requests.last?.errorMessage == FakeHubSpotServer.nonUniqueEmailMessage)
    }

    // MARK: Validation

    @Test func moreThan100InputsAreRefused() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        let inputs = (0..<101).map { upsertInput("user\($0)@acme.com", trace: "t-\($0)", ["pql_tier": "hot"]) }
        let tooMany = try await post(server, FakeHubSpotServer.upsertPath, ["inputs": inputs])
        #expect(tooMany.status == 400)
        #expect(tooMany.category == "VALIDATION_ERROR")
        #expect(tooMany.message?.contains("101") == true)
        #expect(server.contacts.isEmpty)

        let reads = try await post(server, FakeHubSpotServer.readPath, readBody((0..<101).map { "user\($0)@acme.com" }))
        #expect(reads.status == 400)

        let hundred = try await post(server, FakeHubSpotServer.upsertPath, ["inputs": Array(inputs.prefix(100))])
        #expect(hundred.status == 200)
        #expect(hundred.results.count == 100)
        #expect(server.contacts.count == 100)
    }

    @Test func aValueThatIsNotAStringIsRefused() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        let body =
            #"{"inputs":[{"id":"ada@acme.com","idProperty":"email","objectWriteTraceId":"t-1","properties":{"pql_score":87.5,"pql_tier":"hot"}}]}"#
        let reply = try await post(server, FakeHubSpotServer.upsertPath, body: Data(body.utf8))
        #expect(reply.status == 400)
        #expect(reply.category == "VALIDATION_ERROR")
        #expect(reply.message?.hasPrefix("Property values were not valid:") == true)
        #expect(reply.message?.contains("pql_score") == true)
        #expect(server.contacts.isEmpty)
        #expect(server.writes.first?.properties == ["pql_score": "87.5", "pql_tier": "hot"])
        #expect(server.writes.first?.outcome == .rejected)

        for value in ["true", "null", "[\"a\"]", "{\"a\":\"b\"}"] {
            let other = #"{"inputs":[{"id":"x","properties":{"pql_tier":\#(value)}}]}"#
            #expect(try await post(server, FakeHubSpotServer.updatePath, body: Data(other.utf8)).status == 400, "value \(value)")
        }
        let asString = try await post(
            server, FakeHubSpotServer.upsertPath,
            ["inputs": [upsertInput("ada@acme.com", trace: "t-2", ["pql_score": "87.5"])]])
        #expect(asString.status == 200)
    }

    @Test func undefinedPropertiesTooLongValuesAndMalformedJSONAreRefused() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        #expect(server.definedProperties.count == 18)
        #expect(server.definedProperties.filter { $0.hasPrefix("pql_") }.count == 17)

        let undefined = try await post(
            server, FakeHubSpotServer.upsertPath,
            ["inputs": [upsertInput("ada@acme.com", trace: "t-1", ["pql_mystery": "1", "pql_tier": "hot"])]])
        #expect(undefined.status == 400)
        #expect(undefined.category == "VALIDATION_ERROR")
        #expect(undefined.message?.contains(#"Property \"pql_mystery\" does not exist"#) == true)
        #expect((undefined.json["errors"] as? [[String: Any]])?.first?["code"] as? String == "PROPERTY_DOESNT_EXIST")

        server.definedProperties.insert("pql_mystery")
        #expect(
            try await post(
                server, FakeHubSpotServer.upsertPath,
                ["inputs": [upsertInput("ada@acme.com", trace: "t-2", ["pql_mystery": "1"])]]
            ).status == 200)

        let longest = String(repeating: "x", count: FakeHubSpotServer.maxValueLength)
        #expect(
            try await post(
                server, FakeHubSpotServer.upsertPath,
                ["inputs": [upsertInput("ada@acme.com", trace: "t-3", ["pql_use_case": longest])]]
            ).status == 200)
        #expect(
            try await post(
                server, FakeHubSpotServer.upsertPath,
                ["inputs": [upsertInput("ada@acme.com", trace: "t-4", ["pql_use_case": longest + "y"])]]
            ).status == 400)

        for body in ["{\"inputs\":[", "not json", "[]", "{\"inputs\":{}}", "{}"] {
            let malformed = try await post(server, FakeHubSpotServer.upsertPath, body: Data(body.utf8))
            #expect(malformed.status == 400, "body \(body)")
            #expect(malformed.category == "VALIDATION_ERROR", "body \(body)")
        }
        let wrongType = try await post(server, FakeHubSpotServer.readPath, body: Data("{}".utf8), contentType: "text/plain")
        #expect(wrongType.status == 415)
        let unknownPath = try await post(server, "/crm/v3/objects/companies/batch/upsert", readBody([]))
        #expect(unknownPath.status == 404)
        #expect(server.contact(email: "ada@acme.com")?.properties["pql_use_case"]?.count == FakeHubSpotServer.maxValueLength)
    }

    // MARK: Rate limits

    @Test func theRollingBudgetAnswers429WithTheRateLimitHeaders() async throws {
        // A window far longer than the test, so a slow machine cannot let a spent request expire mid-test.
        let server = try FakeHubSpotServer(token: Self.token, rateLimit: 3, rateLimitWindow: 600)
        defer { server.stop() }
        var remaining: [String?] = []
        for _ in 0..<3 {
            let reply = try await post(server, FakeHubSpotServer.readPath, readBody([]))
            #expect(reply.status == 200)
            remaining.append(reply.response.header("X-HubSpot-RateLimit-Remaining"))
        }
        #expect(remaining == ["2", "1", "0"])

        let limited = try await post(
            server, FakeHubSpotServer.upsertPath,
            ["inputs": [upsertInput("ada@acme.com", trace: "t-1", ["pql_tier": "hot"])]])
        #expect(limited.status == 429)
        #expect(limited.response.header("X-HubSpot-RateLimit-Interval-Milliseconds") == "600000")
        #expect(limited.response.header("X-HubSpot-RateLimit-Max") == "3")
        #expect(limited.response.header("X-HubSpot-RateLimit-Remaining") == "0")
        #expect(limited.response.header("Retry-After") == nil)
        #expect(limited.json["status"] as? String == "error")
        #expect(limited.message == "You have reached your ten_secondly_rolling limit.")
        #expect(limited.json["errorType"] as? String == "RATE_LIMIT")
        #expect(limited.json["policyName"] as? String == "TEN_SECONDLY_ROLLING")
        #expect(server.contacts.isEmpty)
        #expect(server.writes.isEmpty)

        // Authentication comes before the budget; a 429 does not spend budget, nor does a 401.
        #expect(try await post(server, FakeHubSpotServer.readPath, readBody([]), token: nil).status == 401)
        #expect(try await post(server, FakeHubSpotServer.readPath, readBody([])).status == 429)
        #expect(server.requests.map(\.status) == [200, 200, 200, 429, 401, 429])

        server.resetRateLimit()
        #expect(try await post(server, FakeHubSpotServer.readPath, readBody([])).status == 200)
    }

    @Test func theBudgetRollsOverItsWindow() async throws {
        // A long window while the budget is spent (no race with a slow machine), then a window so short
        // that the spent request has left it.
        let server = try FakeHubSpotServer(token: Self.token, rateLimit: 1, rateLimitWindow: 60)
        defer { server.stop() }
        let first = try await post(server, FakeHubSpotServer.readPath, readBody([]))
        #expect(first.status == 200)
        #expect(first.response.header("X-HubSpot-RateLimit-Interval-Milliseconds") == "60000")
        #expect(try await post(server, FakeHubSpotServer.readPath, readBody([])).status == 429)
        server.rateLimitWindow = 0.01
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await post(server, FakeHubSpotServer.readPath, readBody([])).status == 200)
    }

    @Test func theDailyPolicyRefusesEveryRequest() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        server.dailyLimitReached = true
        for path in [FakeHubSpotServer.upsertPath, FakeHubSpotServer.readPath, FakeHubSpotServer.updatePath] {
            let reply = try await post(server, path, ["inputs": [] as [Any]])
            #expect(reply.status == 429)
            #expect(reply.json["policyName"] as? String == "DAILY")
            #expect(reply.json["errorType"] as? String == "RATE_LIMIT")
            #expect(reply.message == "You have reached your daily limit.")
            #expect(reply.response.header("X-HubSpot-RateLimit-Daily-Remaining") == "0")
        }
        server.dailyLimitReached = false
        #expect(try await post(server, FakeHubSpotServer.readPath, readBody([])).status == 200)
    }

    // MARK: Scripted faults

    @Test func scriptedFaultsAnswerTheNextRequestsThenNormalService() async throws {
        let server = try FakeHubSpotServer(token: Self.token, faults: [.status(503)])
        defer { server.stop() }
        server.enqueue(.rateLimited(retryAfter: "1"), .status(502, body: "<html>bad gateway</html>"))
        let body: [String: Any] = ["inputs": [upsertInput("ada@acme.com", trace: "t-1", ["pql_tier": "hot"])]]

        let unavailable = try await post(server, FakeHubSpotServer.upsertPath, body)
        #expect(unavailable.status == 503)
        #expect(unavailable.json["status"] as? String == "error")
        let limited = try await post(server, FakeHubSpotServer.upsertPath, body)
        #expect(limited.status == 429)
        #expect(limited.response.header("Retry-After") == "1")
        #expect(limited.response.header("X-HubSpot-RateLimit-Interval-Milliseconds") == "10000")
        let gateway = try await post(server, FakeHubSpotServer.upsertPath, body)
        #expect(gateway.status == 502)
        #expect(gateway.response.body == Data("<html>bad gateway</html>".utf8))
        #expect(server.contacts.isEmpty)  // nothing applied so far

        let normal = try await post(server, FakeHubSpotServer.upsertPath, body)
        #expect(normal.status == 200)
        #expect(server.pendingFaults == 0)
        #expect(server.requests.map(\.fault) == ["status_503", "rate_limited", "status_502", nil])
        #expect(server.requests.map(\.status) == [503, 429, 502, 200])
        #expect(server.writes.map(\.outcome) == [.created])
        #expect(server.traceIds == ["t-1"])
    }

    @Test func droppedConnectionsAndAFaultScript() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        let body: [String: Any] = ["inputs": [upsertInput("ada@acme.com", trace: "t-1", ["pql_tier": "hot"])]]

        server.enqueue(.drop)
        await #expect(throws: HTTPError.self) { _ = try await post(server, FakeHubSpotServer.upsertPath, body) }
        #expect(server.contacts.isEmpty)

        // Applied, but the client never hears of it: a retry with the same trace id finds the contact.
        server.enqueue(.dropAfterApplying)
        await #expect(throws: HTTPError.self) { _ = try await post(server, FakeHubSpotServer.upsertPath, body) }
        #expect(server.contact(email: "ada@acme.com")?.properties["pql_tier"] == "hot")
        let retry = try await post(server, FakeHubSpotServer.upsertPath, body)
        #expect(retry.results.first?["new"] as? Bool == false)
        #expect(server.writes(traceId: "t-1").map(\.outcome) == [.created, .updated])

        // The script picks the second update.
        server.setFaultScript { request in
            request.path == FakeHubSpotServer.updatePath && request.inputIds.contains("1001") ? .status(500) : nil
        }
        let id = try #require(server.contact(email: "ada@acme.com")?.id)
        #expect(id == "1001")
        #expect(try await post(server, FakeHubSpotServer.readPath, readBody(["ada@acme.com"])).status == 200)
        #expect(
            try await post(server, FakeHubSpotServer.updatePath, ["inputs": [updateInput(id, trace: "t-2", ["pql_tier": "warm"])]]).status
                == 500)
        server.setFaultScript(nil)
        #expect(
            try await post(server, FakeHubSpotServer.updatePath, ["inputs": [updateInput(id, trace: "t-2", ["pql_tier": "warm"])]]).status
                == 200)
        #expect(server.requests.map(\.fault) == ["drop", "drop_after_applying", nil, nil, "status_500", nil])
        #expect(server.requests.map(\.status) == [nil, nil, 200, 200, 500, 200])
    }

    // MARK: Records

    @Test func recordsTraceIdsPropertiesHeadersAndPerPathCounts() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        let bobId = server.addContact(email: "bob@acme.com")
        _ = try await post(
            server, FakeHubSpotServer.upsertPath,
            [
                "inputs": [
                    upsertInput("ada@acme.com", trace: "trace-ada", ["pql_score": "91", "pql_tier": "hot"])
                ]
            ])
        _ = try await post(server, FakeHubSpotServer.readPath, readBody(["bob@acme.com"]))
        _ = try await post(
            server, FakeHubSpotServer.updatePath,
            [
                "inputs": [
                    updateInput(bobId, trace: "trace-bob", ["pql_tier": "cold"])
                ]
            ])
        _ = try await post(
            server, FakeHubSpotServer.updatePath,
            [
                "inputs": [
                    updateInput(bobId, trace: "trace-bob", ["pql_tier": "cold"])  // resent under the same trace id
                ]
            ])

        #expect(server.received == 4)
        #expect(server.counts == [FakeHubSpotServer.upsertPath: 1, FakeHubSpotServer.readPath: 1, FakeHubSpotServer.updatePath: 2])
        #expect(server.count(of: FakeHubSpotServer.updatePath) == 2)
        #expect(server.requests(to: FakeHubSpotServer.readPath).first?.inputIds == ["bob@acme.com"])
        #expect(server.traceIds == ["trace-ada", "trace-bob", "trace-bob"])
        #expect(server.propertiesByTraceId == ["trace-ada": ["pql_score": "91", "pql_tier": "hot"], "trace-bob": ["pql_tier": "cold"]])
        let ada = try #require(server.writes(traceId: "trace-ada").first)
        #expect(ada.path == FakeHubSpotServer.upsertPath)
        #expect(ada.id == "ada@acme.com")
        #expect(ada.idProperty == "email")
        #expect(ada.recordId == server.contact(email: "ada@acme.com")?.id)
        #expect(ada.requestIndex == 0)
        #expect(server.writes(traceId: "trace-bob").map(\.requestIndex) == [2, 3])

        let first = try #require(server.requests.first)
        #expect(first.method == "POST")
        #expect(first.path == FakeHubSpotServer.upsertPath)
        #expect(first.header("content-type") == "application/json")
        #expect(first.header("authorization") == "Bearer \(Self.token)")
        #expect((first.inputs.first?["properties"] as? [String: Any])?["pql_score"] as? String == "91")
        #expect(first.json?["inputs"] != nil)
    }

    @Test func concurrentRequestsAreAllRecordedAndApplied() async throws {
        let server = try FakeHubSpotServer(token: Self.token)
        defer { server.stop() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<20 {
                group.addTask {
                    try await post(
                        server, FakeHubSpotServer.upsertPath,
                        ["inputs": [upsertInput("u\(n)@acme.com", trace: "t-\(n)", ["pql_tier": "hot"])]]
                    ).status
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(server.received == 20)
        #expect(server.contacts.count == 20)
        #expect(Set(server.contacts.map(\.id)).count == 20)
        #expect(Set(server.traceIds).count == 20)
    }
}
