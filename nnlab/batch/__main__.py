import sys

from nnlab.batch.run import main

sys.exit(main())
