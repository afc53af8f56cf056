from ag2_otel.cli import main
import sys

sys.exit(main())
