/// What a sync sends for one contact (SPEC §6, diff-based): only the properties whose value differs from
/// the last one successfully synced to that destination. `pql_last_calculated` rides along with a real
/// change and never causes a send by itself.
public enum PropertyDiff {
    /// The properties of `desired` to send, in their order; empty when nothing changed.
    /// - Parameters:
    ///   - synced: the last successfully synced value of each property (by name).
    ///   - rideAlong: the names sent only with another change (the last-calculated time).
    ///   - full: send everything (`--full`), changed or not.
    public static func changes(
        desired: [(name: String, value: String)], synced: [String: String], rideAlong: Set<String>,
        full: Bool = false
    ) -> [(name: String, value: String)] {
        if full { return desired }
        let changed = desired.filter { !rideAlong.contains($0.name) && synced[$0.name] != $0.value }
        guard !changed.isEmpty else { return [] }
        let changedNames = Set(changed.map(\.name))
        return desired.filter { changedNames.contains($0.name) || (rideAlong.contains($0.name) && synced[$0.name] != $0.value) }
    }
}
