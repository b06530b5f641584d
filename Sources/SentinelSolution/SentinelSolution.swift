// The SentinelSolution module: see Package.swift for its role.
