// The Emulator module: see Package.swift for its role.
