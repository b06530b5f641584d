// The OutboxTestSupport module: see Package.swift for its role.
