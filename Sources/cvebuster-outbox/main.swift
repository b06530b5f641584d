import OutboxCLI

await Entrypoint.run()
