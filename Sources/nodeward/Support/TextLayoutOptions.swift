import ArgumentParser
import NodewardCore

/// `--wide`: text output wrapped to the terminal's width (100 columns when stdout is not a terminal),
/// or not wrapped at all (docs/cli.md, "Output conventions").
struct TextLayoutOptions: ParsableArguments {
    @Flag(help: "Text format: do not wrap tables and paragraphs to the terminal width (100 columns when not a terminal).")
    var wide = false

    /// The width text output is wrapped to; nil with `--wide`.
    var width: Int? { wide ? nil : TextWrap.terminalWidth() }
}
