import BrieferCore
import Foundation
import GRDB

extension BrieferStore {
    static let ownerRotationKey = "owner_rotation"

    /// Every account's stored owner.
    public func accountOwners() throws -> [String: OwnerAssignment] {
        try read { db in
            var owners: [String: OwnerAssignment] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT account, owner_id, source, why FROM account_owners") {
                guard let source = OwnerAssignment.Source(rawValue: row["source"]) else { continue }
                owners[row["account"]] = OwnerAssignment(account: row["account"], ownerId: row["owner_id"], source: source, why: row["why"])
            }
            return owners
        }
    }

    /// The rotation's next position (`actions.owners.round_robin`).
    public func ownerRotation() throws -> Int {
        try read { db in try meta(db, Self.ownerRotationKey).flatMap { Int($0) } ?? 0 }
    }

    /// Stores assignments that changed and the rotation's position, in one transaction.
    public func saveOwners(_ assignments: [OwnerAssignment], rotation: Int, at now: Timestamp) throws {
        try write { db in
            for a in assignments {
                try db.execute(
                    sql: """
                        INSERT INTO account_owners(account, owner_id, source, why, assigned_ms) VALUES(?, ?, ?, ?, ?)
                        ON CONFLICT(account) DO UPDATE SET owner_id = excluded.owner_id, source = excluded.source, why = excluded.why,
                            assigned_ms = excluded.assigned_ms
                        WHERE account_owners.owner_id != excluded.owner_id OR account_owners.source != excluded.source
                        """, arguments: [a.account, a.ownerId, a.source.rawValue, a.why, now.milliseconds])
            }
            try setMeta(db, Self.ownerRotationKey, String(rotation))
        }
    }

    /// What the CRM said of contacts' owners, and when it was read, by email.
    public func crmOwners(destination: String) throws -> [String: (ownerId: String?, readMs: Int64)] {
        try read { db in
            var owners: [String: (ownerId: String?, readMs: Int64)] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT email, owner_id, read_ms FROM crm_owners WHERE destination = ?", arguments: [destination])
            {
                owners[row["email"]] = (row["owner_id"], row["read_ms"])
            }
            return owners
        }
    }

    /// Stores contacts' owners as the CRM just said (nil: none, or not in the CRM).
    public func saveCRMOwners(destination: String, _ owners: [String: String?], at now: Timestamp) throws {
        try write { db in
            for (email, owner) in owners {
                try db.execute(
                    sql: """
                        INSERT INTO crm_owners(destination, email, owner_id, read_ms) VALUES(?, ?, ?, ?)
                        ON CONFLICT(destination, email) DO UPDATE SET owner_id = excluded.owner_id, read_ms = excluded.read_ms
                        """, arguments: [destination, email, owner, now.milliseconds])
            }
        }
    }

    /// Every known company by domain (the companies file over group traits), for routing by territory.
    public func companies() throws -> [String: CompanyRecord] {
        try read { db in try Self.companyRecords(db).records }
    }
}
