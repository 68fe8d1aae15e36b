import ArgumentParser

/// Documented exit codes (docs/cli.md): every command maps its outcome onto these.
enum NodewardExit {
    /// Success: the command ran and no gate failed.
    static let ok = ExitCode(0)
    /// The command ran, and findings reached the `--fail-on` threshold.
    static let findings = ExitCode(1)
    /// Bad input: a sandbox, workspace or policy file could not be used, or no inputs were found.
    static let badInput = ExitCode(2)
    /// Usage error (ArgumentParser's `ValidationError` also exits 64).
    static let usage = ExitCode(64)
    /// Interrupted by SIGINT (128 + 2, the shell's convention); what was committed stays.
    static let interrupted = ExitCode(130)
}
