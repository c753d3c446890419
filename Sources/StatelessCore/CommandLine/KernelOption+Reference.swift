extension KernelOption {
    /// The option reference of docs/kernel-command-line.md: a table per section, made from
    /// the schema (`stateless cmdline --markdown` prints it; a test keeps the page equal).
    public static var markdownReference: String {
        Section.allCases.map { section in
            let rows = all.filter { $0.section == section }.map { option in
                let keys = option.keys.map { "`\($0)`" }.joined(separator: ", ")
                let cells = [keys, "`" + option.form.dropFirst(option.form.hasPrefix("=") ? 1 : 0) + "`",
                             option.defaultValue.isEmpty ? "" : "`\(option.defaultValue)`",
                             option.stage.rawValue + (option.fallback ? ", fallback" : ""), option.origin.rawValue, option.doc]
                return "| " + cells.map { $0.replacingAll("|", with: "\\|") }.joined(separator: " | ") + " |\n"
            }
            return "### \(section.rawValue)\n\n| option | value | default | read by | from | meaning |\n|---|---|---|---|---|---|\n" + rows.joined()
        }.joined(separator: "\n")
    }
}
