/// What root.env's `ROOT_KIND` says: the kind of root attached.
public enum RootKind: String, Sendable {
    case block, nfs, iscsi, live
    case nfsLoop = "nfs-loop"

}
