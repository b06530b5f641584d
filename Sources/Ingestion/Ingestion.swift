// The Ingestion module: see Package.swift for its role.
