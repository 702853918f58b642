package org.sparsa.runner.internal.sweep;

import java.util.ArrayList;
import java.util.List;

/**
 * A cluster member's address as {@code HOST:PORT}, as {@code --join} and {@code --members}
 * list them.
 *
 * @param host a host name or IP address
 * @param port the member's TCP port
 */
public record MemberAddress(String host, int port) {
    public MemberAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("expected a host, found none");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("expected a port from 1 to 65535, found " + port);
        }
    }

    /**
     * Parses a comma-separated list of {@code HOST:PORT}.
     *
     * @param option the option the list came from, named in errors
     * @throws IllegalArgumentException when an entry is not {@code HOST:PORT}; the message names
     *     the option and the entry
     */
    public static List<MemberAddress> parseList(String option, String list) {
        List<MemberAddress> out = new ArrayList<>();
        for (String entry : list.split(",")) {
            String item = entry.trim();
            if (item.isEmpty()) {
                continue;
            }
            int colon = item.lastIndexOf(':');
            if (colon <= 0 || colon == item.length() - 1) {
                throw new IllegalArgumentException(option + ": expected HOST:PORT, found '"
                        + item + "'");
            }
            int port;
            try {
                port = Integer.parseInt(item.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": expected a numeric port in '"
                        + item + "'");
            }
            try {
                out.add(new MemberAddress(item.substring(0, colon), port));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": '" + item + "': "
                        + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(option + ": expected HOST:PORT[,HOST:PORT...], "
                    + "found '" + list + "'");
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
