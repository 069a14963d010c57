#!/bin/sh
# The default batch script of @harvester-ts/slurm: one worker of {computingSite} (harvester {harvesterID}).
# Copy it and set the submitter's templateFile to change it; see the package README for the placeholders.
# The submitter adds --job-name, --output, --error and --chdir (and --array, --partition, --account,
# --qos, extraArgs) on the command line, which take precedence over the #SBATCH lines below.
#SBATCH --nodes={nNode}
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task={nCorePerNode}
#SBATCH --time={requestWalltimeMinute}
#SBATCH --export=ALL
# Memory is left to the partition's default: add "#SBATCH --mem={requestRam}" where nodes declare RealMemory.

# Before the first command the submitter inserts a block that sets HARVESTER_ACCESS_POINT, HARVESTER_WORKER_ID,
# HARVESTER_BATCH_NAME, HARVESTER_NCORE, HARVESTER_GTAG and HARVESTER_ID, and enters the access point.
exec {executable} "$HARVESTER_ACCESS_POINT"
