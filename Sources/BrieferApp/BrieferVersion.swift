/// The version `briefer --version` prints.
public enum BrieferVersion {
    public static let string = "0.14.0"
}
