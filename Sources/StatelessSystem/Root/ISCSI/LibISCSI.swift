import CIscsi
import StatelessCore

/// The part of libiscsi the bridge calls, opened with dlopen(3) by the first session
/// (SharedLibrary): libiscsi links the iSER libraries (libibverbs, librdmacm, libnl),
/// which no other root kind needs at every start of the binary.
package struct LibISCSI {
    package let createContext: stateless_iscsi_create_context
    package let destroyContext: stateless_iscsi_destroy_context
    let setNoAutoReconnect: stateless_iscsi_set_noautoreconnect
    let setHeaderDigest: stateless_iscsi_set_header_digest
    let setSessionType: stateless_iscsi_set_session_type
    let setTargetName: stateless_iscsi_set_targetname
    let setInitiatorCredentials: stateless_iscsi_set_initiator_username_pwd
    let setTargetCredentials: stateless_iscsi_set_target_username_pwd
    let lastError: stateless_iscsi_get_error
    let connect: stateless_iscsi_connect_async
    let logIn: stateless_iscsi_login_async
    let logOut: stateless_iscsi_logout_async
    let discover: stateless_iscsi_discovery_async
    let descriptor: stateless_iscsi_get_fd
    let events: stateless_iscsi_which_events
    let service: stateless_iscsi_service
    let nopOut: stateless_iscsi_nop_out_async
    let nopsInFlight: stateless_iscsi_get_nops_in_flight
    let inquiry: stateless_iscsi_inquiry_task
    let reportLUNs: stateless_iscsi_reportluns_task
    let testUnitReady: stateless_iscsi_testunitready_task
    let readCapacity16: stateless_iscsi_readcapacity16_task
    let read16: stateless_iscsi_read16_task
    let write16: stateless_iscsi_write16_task
    let synchronizeCache16: stateless_iscsi_synchronizecache16_task
    let unmap: stateless_iscsi_unmap_task
    let dataIn: stateless_scsi_datain_unmarshall
    let freeTask: stateless_scsi_free_scsi_task

    nonisolated(unsafe) private static var opened: LibISCSI?

    /// The library, opened once per process; the error says how an image gets it.
    package static func open() throws -> LibISCSI {
        if let opened { return opened }
        let loaded = try SharedLibrary.load(ImageLayout.iscsiLibrary, LibISCSI.init)
        opened = loaded
        return loaded
    }

    private init(_ library: SharedLibrary) throws(SharedLibrary.Unavailable) {
        createContext = try library.function("iscsi_create_context")
        destroyContext = try library.function("iscsi_destroy_context")
        setNoAutoReconnect = try library.function("iscsi_set_noautoreconnect")
        setHeaderDigest = try library.function("iscsi_set_header_digest")
        setSessionType = try library.function("iscsi_set_session_type")
        setTargetName = try library.function("iscsi_set_targetname")
        setInitiatorCredentials = try library.function("iscsi_set_initiator_username_pwd")
        setTargetCredentials = try library.function("iscsi_set_target_username_pwd")
        lastError = try library.function("iscsi_get_error")
        connect = try library.function("iscsi_connect_async")
        logIn = try library.function("iscsi_login_async")
        logOut = try library.function("iscsi_logout_async")
        discover = try library.function("iscsi_discovery_async")
        descriptor = try library.function("iscsi_get_fd")
        events = try library.function("iscsi_which_events")
        service = try library.function("iscsi_service")
        nopOut = try library.function("iscsi_nop_out_async")
        nopsInFlight = try library.function("iscsi_get_nops_in_flight")
        inquiry = try library.function("iscsi_inquiry_task")
        reportLUNs = try library.function("iscsi_reportluns_task")
        testUnitReady = try library.function("iscsi_testunitready_task")
        readCapacity16 = try library.function("iscsi_readcapacity16_task")
        read16 = try library.function("iscsi_read16_task")
        write16 = try library.function("iscsi_write16_task")
        synchronizeCache16 = try library.function("iscsi_synchronizecache16_task")
        unmap = try library.function("iscsi_unmap_task")
        dataIn = try library.function("scsi_datain_unmarshall")
        freeTask = try library.function("scsi_free_scsi_task")
    }
}
