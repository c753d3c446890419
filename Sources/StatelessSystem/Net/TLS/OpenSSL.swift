import COpenSSL
import Glibc
import StatelessCore
import StatelessProtocols

/// The part of OpenSSL 3's libssl that the https client calls, opened with dlopen(3).
///
/// Why at run time: libssl and libcrypto weigh 5.4 MB, more than the rest of an image, and
/// only a live root fetched over https:// needs them. The binary does not link them, so
/// an image without them boots every other root; `mkstateless build --https` adds them
/// (and the CA certificates) for those who fetch over https. Each symbol is called with
/// the type OpenSSL's own header declares (Sources/COpenSSL/shim.h).
package struct OpenSSL {
    package static let library = "libssl.so.3"

    let clientMethod: stateless_TLS_client_method
    let newContext: stateless_SSL_CTX_new
    let freeContext: stateless_SSL_CTX_free
    let contextControl: stateless_SSL_CTX_ctrl
    let setVerify: stateless_SSL_CTX_set_verify
    let loadVerifyLocations: stateless_SSL_CTX_load_verify_locations
    let newSession: stateless_SSL_new
    let freeSession: stateless_SSL_free
    let setDescriptor: stateless_SSL_set_fd
    let sessionControl: stateless_SSL_ctrl
    let setHost: stateless_SSL_set1_host
    let verifyParameters: stateless_SSL_get0_param
    let setIPAddress: stateless_X509_VERIFY_PARAM_set1_ip_asc
    package let connect: stateless_SSL_connect
    package let read: stateless_SSL_read
    package let write: stateless_SSL_write
    let errorKind: stateless_SSL_get_error
    let verifyResult: stateless_SSL_get_verify_result
    let protocolVersion: stateless_SSL_get_version
    let verifyErrorText: stateless_X509_verify_cert_error_string
    let nextError: stateless_ERR_get_error
    let errorText: stateless_ERR_error_string_n
    let clearErrors: stateless_ERR_clear_error

    /// Why TLS cannot be used in this boot: the library or a symbol is missing, or the CA
    /// certificates are.
    package typealias Unavailable = SharedLibrary.Unavailable

    /// Opens libssl (the loader finds libcrypto as its dependency; dlsym looks there too).
    package init() throws(Unavailable) {
        let library = try SharedLibrary(Self.library, remedy: "mkstateless build --https adds it")
        func symbol<T>(_ name: String) throws(Unavailable) -> T { try library.function(name) }
        clientMethod = try symbol("TLS_client_method")
        newContext = try symbol("SSL_CTX_new")
        freeContext = try symbol("SSL_CTX_free")
        contextControl = try symbol("SSL_CTX_ctrl")
        setVerify = try symbol("SSL_CTX_set_verify")
        loadVerifyLocations = try symbol("SSL_CTX_load_verify_locations")
        newSession = try symbol("SSL_new")
        freeSession = try symbol("SSL_free")
        setDescriptor = try symbol("SSL_set_fd")
        sessionControl = try symbol("SSL_ctrl")
        setHost = try symbol("SSL_set1_host")
        verifyParameters = try symbol("SSL_get0_param")
        setIPAddress = try symbol("X509_VERIFY_PARAM_set1_ip_asc")
        connect = try symbol("SSL_connect")
        read = try symbol("SSL_read")
        write = try symbol("SSL_write")
        errorKind = try symbol("SSL_get_error")
        verifyResult = try symbol("SSL_get_verify_result")
        protocolVersion = try symbol("SSL_get_version")
        verifyErrorText = try symbol("X509_verify_cert_error_string")
        nextError = try symbol("ERR_get_error")
        errorText = try symbol("ERR_error_string_n")
        clearErrors = try symbol("ERR_clear_error")
    }

    /// OpenSSL's queued errors as one text (emptied), e.g. `error:0A000086:SSL
    /// routines::certificate verify failed`.
    func queuedErrors() -> String {
        var texts: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while case let code = nextError(), code != 0 {
            errorText(code, &buffer, buffer.count)
            texts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return texts.joined(separator: "; ")
    }
}
