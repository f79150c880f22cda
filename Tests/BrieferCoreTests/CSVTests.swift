import Testing
@testable import BrieferCore

struct CSVTests {
    static let companiesHeader = ["domain", "name", "employee_count", "industry", "estimated_revenue", "country", "tech_stack", "notes"]
    static let usersHeader = ["user_id", "email", "company_domain", "title", "created_at"]
    static let subscriptionsHeader = ["user_id", "plan", "subscription_start"]

    @Test func quotedFieldsWithCommasAndQuotes() {
        let fields = CSVRowParser.fields(of: #"acme.com,"Acme, Inc.","She said ""hi""",,"""quoted"""#[...])
        #expect(fields == ["acme.com", "Acme, Inc.", #"She said "hi""#, "", #""quoted""#])
    }

    @Test func fieldSplittingEdges() {
        #expect(CSVRowParser.fields(of: "a,,c,"[...]) == ["a", "", "c", ""])
        #expect(CSVRowParser.fields(of: ""[...]) == [""])
        #expect(CSVRowParser.fields(of: "a,b\r"[...]) == ["a", "b"])
        #expect(CSVRowParser.fields(of: "\"line1\nline2\",x"[...]) == ["line1\nline2", "x"])
        #expect(CSVRowParser.fields(of: #""",x"#[...]) == ["", "x"])
    }

    @Test func incompleteRecordsEndInsideQuotes() {
        #expect(CSVRowParser.isIncomplete(#"a,"multi"#[...]))
        #expect(!CSVRowParser.isIncomplete(#"a,"x""y""#[...]))
        #expect(!CSVRowParser.isIncomplete("a,b"[...]))
    }

    @Test(arguments: [
        (["domain", "name", "employee_count", "industry", "estimated_revenue", "country"], CSVKind?.some(.companies)),
        (companiesHeader, .companies),
        ([" Domain ", "NAME", "Employee_Count", "industry", "estimated_revenue", "country"], .companies),
        (usersHeader, .users),
        (["created_at", "title", "company_domain", "email", "user_id", "extra"], .users),
        (subscriptionsHeader, .subscriptions),
        (["domain", "name", "employee_count"], nil),
        (["user_id", "email"], nil),
        ([String](), nil),
    ])
    func headerDetection(_ header: [String], _ expected: CSVKind?) {
        #expect(CSVKind.detect(header: header) == expected)
    }

    @Test func companyRow() throws {
        let parser = CSVRowParser(kind: .companies, header: Self.companiesHeader)
        let fields = CSVRowParser.fields(
            of: #"https://www.Acme.com/about,"Acme, Inc.",120, SaaS ,2500000.75,US,"Salesforce; Segment;",early adopter"#[...])
        let row = try parser.row(fields).get()
        let expected = CompanyRecord(
            domain: "acme.com", name: "Acme, Inc.", employeeCount: 120, industry: "saas",
            estimatedRevenue: 2_500_000, country: "US", techStack: ["salesforce", "segment"],
            extra: ["notes": "early adopter"])
        #expect(row == .company(expected))
    }

    @Test func emptyOptionalCompanyColumnsAreUnknown() throws {
        let parser = CSVRowParser(kind: .companies, header: Self.companiesHeader)
        let row = try parser.row(["acme.com", "", "", "", "", "", "", ""]).get()
        #expect(row == .company(CompanyRecord(domain: "acme.com")))
    }

    @Test func wrongColumnCount() {
        let parser = CSVRowParser(kind: .users, header: Self.usersHeader)
        for fields in [["u1", "a@acme.com", "acme.com", "CTO"], ["u1", "a@acme.com", "acme.com", "CTO", "2026-01-01", "extra"]] {
            guard case let .failure(rejection) = parser.row(fields) else { Issue.record("accepted \(fields)"); continue }
            #expect(rejection.reason == .wrongColumnCount)
        }
    }

    @Test(arguments: ["lots", "12.5", "1,200", "-", "1e3"])
    func nonNumericEmployeeCountIsBadNumber(_ text: String) {
        let parser = CSVRowParser(kind: .companies, header: Self.companiesHeader)
        let result = parser.row(["acme.com", "Acme", text, "saas", "1000", "US", "", ""])
        guard case let .failure(rejection) = result else { Issue.record("accepted \(text)"); return }
        #expect(rejection.reason == .badNumber)
        #expect(rejection.detail.contains("employee_count"))
    }

    @Test func nonNumericRevenueIsBadNumber() {
        let parser = CSVRowParser(kind: .companies, header: Self.companiesHeader)
        guard case let .failure(rejection) = parser.row(["acme.com", "Acme", "10", "saas", "$2M", "US", "", ""]) else {
            Issue.record("accepted"); return
        }
        #expect(rejection.reason == .badNumber)
    }

    @Test func companyWithoutDomainIsMissingField() {
        let parser = CSVRowParser(kind: .companies, header: Self.companiesHeader)
        guard case let .failure(rejection) = parser.row(["  ", "Acme", "10", "saas", "1", "US", "", ""]) else {
            Issue.record("accepted"); return
        }
        #expect(rejection.reason == .missingField)
    }

    @Test func userRow() throws {
        let parser = CSVRowParser(kind: .users, header: Self.usersHeader)
        let row = try parser.row(["u1", "Ada@Acme.COM", "WWW.Acme.com", "VP Marketing", "2026-03-01T12:00:00Z"]).get()
        guard case let .user(user) = row else { Issue.record("not a user"); return }
        #expect(user.userId == "u1")
        #expect(user.email == "ada@acme.com")
        #expect(user.companyDomain == "acme.com")
        #expect(user.title == "VP Marketing")
        // 2026-03-01 = 20454 + 31 + 28 = 20513 → 20513 · 86_400_000 + 12 h = 1_772_323_200_000 + 43_200_000.
        #expect(user.createdAt?.milliseconds == 1_772_366_400_000)
    }

    @Test func userWithEmptyOptionalColumns() throws {
        let parser = CSVRowParser(kind: .users, header: Self.usersHeader)
        let row = try parser.row(["u2", "", "", "", ""]).get()
        #expect(row == .user(UserRecord(userId: "u2", email: nil, companyDomain: nil, title: nil, createdAt: nil)))
    }

    @Test(arguments: ["yesterday", "2026-02-30", "03/01/2026"])
    func badCreatedAt(_ text: String) {
        let parser = CSVRowParser(kind: .users, header: Self.usersHeader)
        guard case let .failure(rejection) = parser.row(["u1", "a@acme.com", "acme.com", "CTO", text]) else {
            Issue.record("accepted"); return
        }
        #expect(rejection.reason == .badTimestamp)
    }

    @Test func userWithoutIdIsMissingUserId() {
        let parser = CSVRowParser(kind: .users, header: Self.usersHeader)
        guard case let .failure(rejection) = parser.row(["", "a@acme.com", "acme.com", "CTO", ""]) else { Issue.record("accepted"); return }
        #expect(rejection.reason == .missingUserId)
    }

    @Test func subscriptionRows() throws {
        let parser = CSVRowParser(kind: .subscriptions, header: Self.subscriptionsHeader)
        let row = try parser.row(["u1", "Pro", "2026-03-01T12:00:00Z"]).get()
        #expect(row == .subscription(SubscriptionRecord(userId: "u1", plan: "pro", start: Timestamp(milliseconds: 1_772_366_400_000))))
        guard case let .failure(r1) = parser.row(["u1", "pro", ""]) else { Issue.record("accepted"); return }
        #expect(r1.reason == .badTimestamp)
        guard case let .failure(r2) = parser.row(["u1", "", "2026-03-01"]) else { Issue.record("accepted"); return }
        #expect(r2.reason == .missingField)
    }
}
