import sys

from tools.fuzz.campaign import main

sys.exit(main())
