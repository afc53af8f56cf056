import sys

from ag2_otel.cli import main

sys.exit(main())
