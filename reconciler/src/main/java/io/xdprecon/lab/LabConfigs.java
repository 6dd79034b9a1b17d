package io.xdprecon.lab;

import java.util.List;

/**
 * Config documents for the {@link Lab} (tests, benchmarks, the demo): its proxy's devices pc (public) and ps (private), and flows
 * numbered n: client .1.2:20000+n → VIP:30000+n, relayed as .2.1:40000+n → server .2.2:serverPort.
 */
public final class LabConfigs {
    private LabConfigs() {}

    public static String flow(String name, int n, int serverPort) {
        return """
                  - name: %s
                    client: %s:%d
                    listen: { interface: public, address: %s, port: %d }
                    egress: { interface: private, address: %s, port: %d }
                    server: %s:%d
                """.formatted(name, Lab.CLIENT_IP, 20000 + n, Lab.VIP, 30000 + n, Lab.PROXY_SERVER_SIDE_IP, 40000 + n,
                Lab.SERVER_IP, serverPort);
    }

    /** {@link #flow} over IPv6 ({@link Lab#dualStack()}): client [CLIENT_IP6]:20000+n → [VIP6]:30000+n, and so on. */
    public static String flow6(String name, int n, int serverPort) {
        return """
                  - name: %s
                    client: '[%s]:%d'
                    listen: { interface: public, address: '%s', port: %d }
                    egress: { interface: private, address: '%s', port: %d }
                    server: '[%s]:%d'
                """.formatted(name, Lab.CLIENT_IP6, 20000 + n, Lab.VIP6, 30000 + n, Lab.PROXY_SERVER_SIDE_IP6, 40000 + n,
                Lab.SERVER_IP6, serverPort);
    }

    /** The document up to and including {@code flows:}; append {@link #flow} entries (at least one). */
    public static String header(List<String> localIps, int maxRules) {
        return """
                apiVersion: xdprecon.io/v1
                interfaces:
                  public: { device: pc }    # the lab proxy's veth toward the client
                  private: { device: ps }   # ... and toward the server
                localIps: [%s]
                datapath: { mode: xdp, attachMode: native, maxRules: %d }
                flows:
                """.formatted(String.join(", ", localIps), maxRules);
    }

    /** A whole document; no flows gives {@code flows: []}. */
    public static String document(List<String> localIps, String... flows) {
        String header = header(localIps, 524288);
        return flows.length == 0 ? header.replace("flows:\n", "flows: []\n") : header + String.join("", flows);
    }
}
