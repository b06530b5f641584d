// The Delivery module: see Package.swift for its role.
