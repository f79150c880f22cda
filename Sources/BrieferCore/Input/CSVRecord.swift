/// The kinds of CSV file Briefer reads, told apart by their header (SPEC §2).
public enum CSVKind: String, Sendable, Codable, CaseIterable {
    case companies, users, subscriptions

    public var requiredColumns: [String] {
        switch self {
        case .companies: return ["domain", "name", "employee_count", "industry", "estimated_revenue", "country"]
        case .users: return ["user_id", "email", "company_domain", "title", "created_at"]
        case .subscriptions: return ["user_id", "plan", "subscription_start"]
        }
    }

    /// The kind whose required columns the header has, or nil.
    public static func detect(header: [String]) -> CSVKind? {
        let names = Set(header.map { $0.trimmedWhitespace.lowercased() })
        return allCases.first { Set($0.requiredColumns).isSubset(of: names) }
    }
}

/// A company from the companies CSV (or a group call's traits).
public struct CompanyRecord: Sendable, Equatable, Codable {
    public var domain: String
    public var name: String?
    public var employeeCount: Int64?
    public var industry: String?
    public var estimatedRevenue: Int64?
    public var country: String?
    public var techStack: [String]
    /// Columns beyond the known ones, kept as given.
    public var extra: [String: String]

    public init(
        domain: String, name: String? = nil, employeeCount: Int64? = nil, industry: String? = nil,
        estimatedRevenue: Int64? = nil, country: String? = nil, techStack: [String] = [], extra: [String: String] = [:]
    ) {
        self.domain = domain; self.name = name; self.employeeCount = employeeCount; self.industry = industry
        self.estimatedRevenue = estimatedRevenue; self.country = country; self.techStack = techStack; self.extra = extra
    }

    /// A tech stack as it is stored and exported: tools joined by `;`.
    public static func stack(joined: String?) -> [String] { joined?.split(separator: ";").map(String.init) ?? [] }
}

/// A user from the users CSV.
public struct UserRecord: Sendable, Equatable {
    public var userId: String
    public var email: String?
    public var companyDomain: String?
    public var title: String?
    public var createdAt: Timestamp?
}

/// A subscription from the subscriptions CSV.
public struct SubscriptionRecord: Sendable, Equatable {
    public var userId: String
    public var plan: String
    public var start: Timestamp
}

public enum CSVRow: Sendable, Equatable {
    case company(CompanyRecord)
    case user(UserRecord)
    case subscription(SubscriptionRecord)
}

/// Splits CSV records (RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes)
/// and turns rows into records.
public struct CSVRowParser: Sendable {
    public let kind: CSVKind
    public let header: [String]
    private let index: [String: Int]

    public init(kind: CSVKind, header: [String]) {
        self.kind = kind
        self.header = header.map { $0.trimmedWhitespace.lowercased() }
        var index: [String: Int] = [:]
        for (i, name) in self.header.enumerated() where index[name] == nil { index[name] = i }
        self.index = index
    }

    /// True when `text` ends inside a quoted field, so the record continues on the next line.
    /// A quote opens a quoted field only at the start of a field (RFC 4180); elsewhere it is a
    /// literal character, so `5" screen` does not swallow the lines after it.
    public static func isIncomplete(_ text: Substring) -> Bool {
        var inQuotes = false
        var atFieldStart = true
        var previousWasClosingQuote = false
        for byte in text.utf8 {
            if inQuotes {
                if byte == UInt8(ascii: "\"") { inQuotes = false; previousWasClosingQuote = true }
                continue
            }
            if byte == UInt8(ascii: "\"") && (atFieldStart || previousWasClosingQuote) {
                inQuotes = true  // an opening quote, or the second quote of a doubled one
                atFieldStart = false
                previousWasClosingQuote = false
                continue
            }
            previousWasClosingQuote = false
            atFieldStart = byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n")
        }
        return inQuotes
    }

    /// The fields of one record (RFC 4180; a quote inside an unquoted field is kept as written).
    public static func fields(of record: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var quoted = false  // the current field began with a quote
        var chars = record.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { current.append("\"") } else { inQuotes = false; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" && current.isEmpty && !quoted {
                inQuotes = true
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
                quoted = false
            } else if c == "\r" || c == "\r\n" {
                continue
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }

    public func row(_ fields: [String]) -> Result<CSVRow, Rejection> {
        guard fields.count == header.count else {
            return .failure(Rejection(.wrongColumnCount, "\(fields.count) columns, the header has \(header.count)"))
        }
        func value(_ name: String) -> String? {
            guard let i = index[name] else { return nil }
            let v = fields[i].trimmedWhitespace
            return v.isEmpty ? nil : v
        }
        do {
            switch kind {
            case .companies:
                guard let domain = value("domain").map(Identity.normalizedDomain) else { throw Rejection(.missingField, "domain is empty") }
                let employees = try integer(value("employee_count"), "employee_count")
                let revenue = try integer(value("estimated_revenue"), "estimated_revenue", allowFraction: true)
                let stack = (value("tech_stack") ?? "").split(separator: ";").map { String($0).trimmedWhitespace.lowercased() }.filter {
                    !$0.isEmpty
                }
                var extra: [String: String] = [:]
                let known = Set(CSVKind.companies.requiredColumns + ["tech_stack"])
                for (i, name) in header.enumerated() where !known.contains(name) && !fields[i].isEmpty { extra[name] = fields[i] }
                return .success(
                    .company(
                        CompanyRecord(
                            domain: domain, name: value("name"), employeeCount: employees, industry: value("industry")?.lowercased(),
                            estimatedRevenue: revenue, country: value("country"), techStack: stack, extra: extra)))
            case .users:
                guard let userId = value("user_id") else { throw Rejection(.missingUserId, "user_id is empty") }
                let created = try time(value("created_at"), "created_at")
                return .success(
                    .user(
                        UserRecord(
                            userId: userId, email: value("email")?.lowercased(),
                            companyDomain: value("company_domain").map(Identity.normalizedDomain),
                            title: value("title"), createdAt: created)))
            case .subscriptions:
                guard let userId = value("user_id") else { throw Rejection(.missingUserId, "user_id is empty") }
                guard let plan = value("plan") else { throw Rejection(.missingField, "plan is empty") }
                guard let start = try time(value("subscription_start"), "subscription_start") else {
                    throw Rejection(.badTimestamp, "subscription_start is empty")
                }
                return .success(.subscription(SubscriptionRecord(userId: userId, plan: plan.lowercased(), start: start)))
            }
        } catch let rejection as Rejection {
            return .failure(rejection)
        } catch {
            return .failure(Rejection(.malformedJSON, "\(error)"))
        }
    }

    private func integer(_ text: String?, _ column: String, allowFraction: Bool = false) throws -> Int64? {
        guard let text else { return nil }
        if let v = Int64(text) { return v }
        if allowFraction, let d = Double(text), d.isFinite, d >= 0, d < 9e15, !text.contains("e"), !text.contains("E") { return Int64(d) }
        throw Rejection(.badNumber, "\(column) '\(text.prefix(40))' is not a whole number")
    }

    private func time(_ text: String?, _ column: String) throws -> Timestamp? {
        guard let text else { return nil }
        guard let parsed = Timestamp.parse(text) else { throw Rejection(.badTimestamp, "cannot read \(column) '\(text.prefix(40))'") }
        return parsed.timestamp
    }
}
