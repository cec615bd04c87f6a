from timetracker.cli import main

main()
