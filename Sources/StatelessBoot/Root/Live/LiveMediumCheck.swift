import StatelessCore
import StatelessProtocols
import StatelessSystem
import SystemPackage

/// `rd.live.check`: the medium's implanted MD5 (ISOChecksum) verified before the image on
/// it is used, as dracut runs checkisomd5 — a CD burnt badly or a USB stick written with
/// a truncated copy fails here in one line instead of with squashfs errors later.
package struct LiveMediumCheck {
    package let log: Logger

    /// `path`: the CD's device, or the ISO file. A medium without a checksum is said and
    /// passes, as with checkisomd5.
    package func run(_ path: String) throws {
        let file = try Posix.open(path, .readOnly)
        defer { try? file.close() }
        var head = [UInt8](repeating: 0, count: 8 * ISOChecksum.sectorSize)
        let count = try read(file, path, into: &head, at: Int64(ISOChecksum.firstDescriptorSector * ISOChecksum.sectorSize))
        let sum: ISOChecksum
        do {
            sum = try ISOChecksum(descriptors: Array(head[..<count]))
        } catch ISOChecksum.Problem.malformed(let field) {
            throw BootError("check live medium", path, detail: "its implanted checksum is unreadable (\(field))", option: "rd.live.check")
        } catch {
            log.warning("root", "rd.live.check: \(path) carries no implanted checksum (implantisomd5 adds one): not verified")
            return
        }
        let start = Uptime.now()
        var progress = TransferProgress(log: log, name: "rd.live.check \(path)")
        var md5 = MD5()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var position: Int64 = 0
        while position < sum.checkedBytes {
            let wanted = Int(min(Int64(chunk.count), sum.checkedBytes - position))
            if chunk.count != wanted { chunk = [UInt8](repeating: 0, count: wanted) }
            let got = try read(file, path, into: &chunk, at: position)
            guard got == wanted else {
                throw BootError("check live medium", path, detail: "it ends at byte \(position + Int64(got)), its volume descriptor says \(sum.checkedBytes) bytes are checked: the medium is truncated",
                                option: "rd.live.check")
            }
            sum.blankField(in: &chunk, at: position)
            chunk.withUnsafeBytes { md5.update($0) }
            position += Int64(got)
            progress.report(position, of: sum.checkedBytes)
        }
        let found = md5.hexDigest()
        guard found == sum.md5 else {
            throw BootError("check live medium", path, detail: "the implanted MD5 is \(sum.md5), the medium reads as \(found): it is damaged or was written wrongly",
                            option: "rd.live.check")
        }
        progress.finish(position, since: start, what: "rd.live.check: \(path): the implanted MD5 \(found) matches")
    }

    /// pread(2) until `buffer` is full or the end; the count read.
    package func read(_ file: FileDescriptor, _ path: String, into buffer: inout [UInt8], at offset: Int64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let got: Int
            do {
                got = try buffer.withUnsafeMutableBytes { bytes in
                    try file.read(fromAbsoluteOffset: offset + Int64(done), into: UnsafeMutableRawBufferPointer(rebasing: bytes[done...]))
                }
            } catch let errno as Errno {
                throw BootError("check live medium", path, errno: errno, detail: "reading at byte \(offset + Int64(done))", option: "rd.live.check")
            }
            if got == 0 { break }
            done += got
        }
        return done
    }
}
