/// Text helpers the standard library lacks without Foundation.
extension String {
    /// Replaces every occurrence of `target`. Written out because Foundation's
    /// `replacingOccurrences` is not available in early boot and the standard library's
    /// `firstRange(of:)` would link the whole string-processing module (~1 MB).
    package func replacingAll(_ target: String, with replacement: String) -> String {
        let pattern = Array(target)
        guard !pattern.isEmpty else { return self }
        let characters = Array(self)
        var result = ""
        var index = 0
        while index < characters.count {
            if index + pattern.count <= characters.count && Array(characters[index..<index + pattern.count]) == pattern {
                result += replacement
                index += pattern.count
            } else {
                result.append(characters[index])
                index += 1
            }
        }
        return result
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (header values' optional white space,
    /// isomd5sum's fields).
    package var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}

extension String {
    /// Without trailing newlines and white space: a sysfs or procfs attribute's value.
    package func trimmingNewline() -> String {
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == " " || last == "\r" || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
