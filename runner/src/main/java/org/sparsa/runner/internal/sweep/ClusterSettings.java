package org.sparsa.runner.internal.sweep;

import com.hazelcast.config.Config;
import com.hazelcast.config.DurableExecutorConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * How a sweep's Hazelcast member (a worker or the coordinator) joins its cluster: TCP on one
 * address (loopback unless told otherwise), an explicit member list, no multicast and no
 * cloud discovery, so that a member never joins a cluster it was not pointed at; the cluster
 * name keeps two sweeps on one network apart.
 *
 * @param clusterName the cluster's name; members join only clusters of the same name
 * @param bindHost the address this member listens on and announces to the others
 * @param port the member's port, or null for {@value #DEFAULT_PORT} and the next free one
 * @param members the members to join, possibly including this one
 * @param slots how many trials this member runs at once; 0 makes it a lite member, which
 *     keeps no data and runs no trials
 */
public record ClusterSettings(String clusterName, String bindHost, Integer port,
        List<MemberAddress> members, int slots) {
    /** The port a member takes when none is given, as Hazelcast's own default. */
    public static final int DEFAULT_PORT = 5701;
    /** The address members bind to when none is given: this machine only. */
    public static final String LOOPBACK = "127.0.0.1";
    /** The durable executor trials are submitted to. */
    public static final String EXECUTOR = "sparsa-trials";
    /** The member attribute that tells the coordinator a member's slots. */
    public static final String SLOTS_ATTRIBUTE = "sparsa.slots";
    /**
     * Seconds without a heartbeat after which a member counts as lost: short, so that a lost
     * machine's trials move on quickly, and long enough for a busy machine's pauses.
     */
    static final int NO_HEARTBEAT_SECONDS = 10;

    public ClusterSettings {
        if (clusterName == null || clusterName.isBlank()) {
            throw new IllegalArgumentException("expected a cluster name, found none");
        }
        if (bindHost == null || bindHost.isBlank()) {
            throw new IllegalArgumentException("--bind: expected a host, found none");
        }
        if (port != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("--port: expected 1 to 65535, found " + port);
        }
        if (slots < 0) {
            throw new IllegalArgumentException("--slots: expected 0 or more, found " + slots);
        }
        members = List.copyOf(members);
    }

    /**
     * This member's Hazelcast configuration; user classes load through {@code classLoader}.
     *
     * @throws IllegalArgumentException when the bind host does not resolve
     */
    public Config toConfig(ClassLoader classLoader) {
        String address;
        try {
            // Hazelcast takes interfaces as IP addresses only.
            address = InetAddress.getByName(bindHost).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--bind: unknown host '" + bindHost + "'");
        }
        Config config = new Config();
        config.setClusterName(clusterName);
        config.setClassLoader(classLoader);
        config.setLiteMember(slots == 0);
        config.getMemberAttributeConfig().setAttribute(SLOTS_ATTRIBUTE,
                Integer.toString(slots));
        // Logs through the framework's SLF4J back end, never phones home, and finds a lost
        // member in seconds rather than the default minute.
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds",
                Integer.toString(NO_HEARTBEAT_SECONDS));
        // Listens on the given address only, not on every interface.
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.local.localAddress", address);

        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port == null ? DEFAULT_PORT : port);
        network.setPortAutoIncrement(port == null);
        network.getInterfaces().setEnabled(true).addInterface(address);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true)
                .setMembers(members.stream().map(MemberAddress::toString).toList());

        // One backup of every queued trial: a lost member's trials run on the member that held
        // its backups.
        config.addDurableExecutorConfig(new DurableExecutorConfig(EXECUTOR)
                .setPoolSize(Math.max(1, slots)).setDurability(1)
                .setStatisticsEnabled(false));
        return config;
    }
}
