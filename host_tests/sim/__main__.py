import sys

from host_tests.sim.cli import main

sys.exit(main())
