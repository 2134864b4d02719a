"""CityGrid Console: ``python main.py`` opens the console; ``python main.py --help`` lists
the commands (demo, validate-grids, import-grids, export-grids)."""

import sys

from console.cli import main

if __name__ == "__main__":
    sys.exit(main())
