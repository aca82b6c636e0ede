"""Entry point of an index build worker process: `python -m index.build_worker`.

Started by index.builder for parallel builds; talks pickles over stdin/stdout.
A module of its own so that running it does not re-execute a module the `index`
package already imported.
"""

from index.builder import worker_main

if __name__ == "__main__":
    worker_main()
