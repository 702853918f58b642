package org.sparsa.runner.internal.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The member configuration: loopback, an explicit member list, no multicast, one name. */
class ClusterSettingsTest {
    private final ClassLoader loader = getClass().getClassLoader();

    @Test
    void workerBindsToLoopbackAndJoinsOnlyTheListedMembers() {
        Config config = new ClusterSettings("sparsa-1a2b3c4d", ClusterSettings.LOOPBACK, 5801,
                MemberAddress.parseList("--join", "127.0.0.1:5801,127.0.0.1:5802"), 2)
                .toConfig(loader);
        assertEquals("sparsa-1a2b3c4d", config.getClusterName());
        assertSame(loader, config.getClassLoader());
        assertFalse(config.isLiteMember());
        assertEquals("2", config.getMemberAttributeConfig().getAttributes()
                .get(ClusterSettings.SLOTS_ATTRIBUTE));

        assertEquals(5801, config.getNetworkConfig().getPort());
        assertFalse(config.getNetworkConfig().isPortAutoIncrement());
        assertTrue(config.getNetworkConfig().getInterfaces().isEnabled());
        assertEquals(List.of("127.0.0.1"), List.copyOf(
                config.getNetworkConfig().getInterfaces().getInterfaces()));
        assertEquals("false", config.getProperty("hazelcast.socket.bind.any"));
        assertEquals("127.0.0.1", config.getProperty("hazelcast.local.localAddress"));

        JoinConfig join = config.getNetworkConfig().getJoin();
        assertFalse(join.getMulticastConfig().isEnabled());
        assertFalse(join.getAutoDetectionConfig().isEnabled());
        assertTrue(join.getTcpIpConfig().isEnabled());
        assertEquals(List.of("127.0.0.1:5801", "127.0.0.1:5802"),
                join.getTcpIpConfig().getMembers());

        assertEquals("false", config.getProperty("hazelcast.phone.home.enabled"));
        assertEquals("slf4j", config.getProperty("hazelcast.logging.type"));
        assertEquals(Integer.toString(ClusterSettings.NO_HEARTBEAT_SECONDS),
                config.getProperty("hazelcast.max.no.heartbeat.seconds"));
        assertEquals(2, config.getDurableExecutorConfig(ClusterSettings.EXECUTOR)
                .getPoolSize());
        assertEquals(1, config.getDurableExecutorConfig(ClusterSettings.EXECUTOR)
                .getDurability());
    }

    @Test
    void coordinatorWithoutSlotsIsALiteMemberOnTheDefaultPort() {
        Config config = new ClusterSettings("sweep", "localhost", null, List.of(), 0)
                .toConfig(loader);
        assertTrue(config.isLiteMember());
        assertEquals(ClusterSettings.DEFAULT_PORT, config.getNetworkConfig().getPort());
        assertTrue(config.getNetworkConfig().isPortAutoIncrement());
        // Host names are resolved: Hazelcast takes interfaces as addresses only.
        assertEquals(List.of("127.0.0.1"), List.copyOf(
                config.getNetworkConfig().getInterfaces().getInterfaces()));
        assertEquals(List.of(), config.getNetworkConfig().getJoin().getTcpIpConfig()
                .getMembers());
    }

    @Test
    void rejectsWhatCannotMakeAMember() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ClusterSettings(
                " ", "127.0.0.1", null, List.of(), 1)).getMessage().contains("cluster name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ClusterSettings(
                "c", "127.0.0.1", 70000, List.of(), 1)).getMessage().startsWith("--port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ClusterSettings(
                "c", "127.0.0.1", null, List.of(), -1)).getMessage().startsWith("--slots"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ClusterSettings(
                "c", "no-such-host.invalid", null, List.of(), 1).toConfig(loader))
                .getMessage().contains("no-such-host.invalid"));
    }

    @Test
    void memberListsParseAndNameTheBadEntry() {
        assertEquals(List.of(new MemberAddress("10.0.0.1", 5701),
                new MemberAddress("node-2", 5702)),
                MemberAddress.parseList("--join", "10.0.0.1:5701, node-2:5702,"));
        assertEquals("--join: expected HOST:PORT, found 'node-3'", assertThrows(
                IllegalArgumentException.class, () -> MemberAddress.parseList("--join",
                        "node-1:5701,node-3")).getMessage());
        assertEquals("--members: expected a numeric port in 'node:x'", assertThrows(
                IllegalArgumentException.class, () -> MemberAddress.parseList("--members",
                        "node:x")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MemberAddress.parseList(
                "--join", "node:0")).getMessage().contains("1 to 65535"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MemberAddress.parseList(
                "--join", " , ")).getMessage().startsWith("--join: expected HOST:PORT"));
    }
}
