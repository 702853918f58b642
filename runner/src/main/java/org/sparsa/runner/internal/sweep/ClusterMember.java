package org.sparsa.runner.internal.sweep;

import com.hazelcast.cluster.Address;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

/**
 * Starts this process's Hazelcast member for a clustered sweep. Inside the OSGi framework the
 * Hazelcast bundle cannot see the runner's classes, so the member loads user classes (the
 * trial tasks and their answers) through the runner's class loader.
 */
public final class ClusterMember {
    private ClusterMember() {
    }

    /**
     * Starts a member and waits until it has joined (or formed) its cluster.
     *
     * @param host runs the trials this member takes, or null for a member that takes none
     */
    public static HazelcastInstance start(ClusterSettings settings, TrialHost host) {
        ClassLoader runner = ClusterMember.class.getClassLoader();
        Config config = settings.toConfig(runner);
        if (host != null) {
            config.getUserContext().put(TrialHost.CONTEXT_KEY, host);
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(runner);
        try {
            return Hazelcast.newHazelcastInstance(config);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The member's own address as {@code HOST:PORT}. */
    public static String address(HazelcastInstance member) {
        Address address = member.getCluster().getLocalMember().getAddress();
        return address.getHost() + ":" + address.getPort();
    }
}
