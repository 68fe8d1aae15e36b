/// The one place the version lives: `nodeward --version` prints it (docs/cli.md, "Version").
enum NodewardVersion {
    static let current = "0.13.0"
}
