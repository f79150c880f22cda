import BrieferCore
import BrieferStore
import Foundation

/// Gives hot accounts their owners (SPEC §6.1) — a contact's owner in HubSpot when one is known (the account's
/// highest-scoring contact with one), else by `actions.owners`: an account keeps the owner it was given, the rotation goes on
/// in the order accounts became hot — and stores them. `briefer owners` and the actions pass both assign through it.
struct OwnerAssigner {
    let store: BrieferStore
    let configuration: BrieferConfiguration

    struct Assigned {
        var accounts: [(account: StoredAccountScore, owner: OwnerAssignment?)]
        var refresh: CRMOwnerReader.Refresh?
    }

    /// Each account's contacts' addresses, best-scored first.
    static func contactsByAccount(_ store: BrieferStore, runId: Int64) throws -> [String: [String]] {
        try store.contactCandidates(runId: runId).mapValues { candidates in
            candidates.sorted { ($1.score, $0.email) < ($0.score, $1.email) }.map { $0.email.lowercased() }
        }
    }

    /// - Parameter client: first read from it the owners of the accounts' contacts not read within
    ///   `actions.owners.refresh_after_hours`; else the owners read before are used.
    func assign(_ hot: [StoredAccountScore], runId: Int64, client: HubSpotClient?, now: Timestamp) async throws -> Assigned {
        let contacts = try Self.contactsByAccount(store, runId: runId)
        var refresh: CRMOwnerReader.Refresh?
        if let client {
            let emails = hot.flatMap { contacts[$0.score.account] ?? [] }
            refresh = try await CRMOwnerReader(store: store, configuration: configuration, client: client).refresh(emails: emails, now: now)
        }
        let destination = client?.endpoint.destination ?? HubSpotEndpoint.destination(configuration: configuration.crm)
        let crmOwners = try store.crmOwners(destination: destination)
        let companies = try store.companies()
        let stored = try store.accountOwners()
        var rotation = try store.ownerRotation()
        let routing = OwnerRouting(configuration.actions.owners)
        let ordered = hot.sorted { ($0.becameHotAt ?? "", $0.score.account) < ($1.becameHotAt ?? "", $1.score.account) }
        var rows: [(account: StoredAccountScore, owner: OwnerAssignment?)] = []
        for account in ordered {
            let key = account.score.account
            let company = key.hasPrefix("user:") ? nil : companies[key]
            let crm = (contacts[key] ?? []).lazy.compactMap { email in
                crmOwners[email]?.ownerId.map { CRMOwner(ownerId: $0, source: .crmContact, record: email) }
            }.first
            let owner = routing.assign(account: key, company: company, crmOwner: crm, existing: stored[key], rotation: &rotation)
            rows.append((account, owner))
        }
        try store.saveOwners(rows.compactMap(\.owner), rotation: rotation, at: now)
        return Assigned(accounts: rows, refresh: refresh)
    }
}
